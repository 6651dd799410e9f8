package io.caucus.storage;

import io.caucus.core.ConfigurationCodec;
import io.caucus.core.SnapshotMetadata;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.Optional;
import java.util.zip.CRC32C;

/**
 * Snapshots of the state machine (Raft paper §7), one file each, named {@code snapshot-<index>-<term>.snap}:
 *
 * <pre>
 *   header:  int magic "CSNP", int version, long last included index, long last included term,
 *            int configuration length, configuration ({@link ConfigurationCodec}), int CRC32C of the header
 *   data:    the state machine's bytes, as streamed to {@link SnapshotWriter}
 *   trailer: long data length, int CRC32C of the data, int magic "CEND"
 * </pre>
 *
 * A snapshot is written to {@code <name>.tmp}, forced, renamed into place and the directory forced, so a file
 * with the final name is always complete; temporary files found on open are deleted. On open the newest
 * snapshot is verified end to end and a bad one stops the node. The newest {@code retained} are kept, and also the
 * snapshots the log's bases need (below).
 *
 * <p>The durable base's snapshot is never retired: the log prefix it covers exists nowhere else (§7), so a crash
 * that leaves the log compacted to it needs it to recover. The log tells the store which base it wrote with which
 * ticket ({@link #baseWritten}) and which tickets are durable ({@link #durableThrough}); until a newer base is
 * durable the older one stays, even if newer snapshots (a follower's own, or one received from the leader that the
 * core then refused) outnumber {@code retained}; so does the snapshot of a base written and not yet durable, which
 * becomes the durable one at the next sync. The bases do not count against {@code retained}: the newest
 * {@code retained} stay as well (a snapshot just received is one the node may be about to install), so the store
 * holds the newest {@code retained} and the durable base's, and a few more only while bases wait for one sync.
 *
 * <p>A snapshot no longer kept is renamed {@code <name>.deleting} (directory forced), then deleted gradually, as
 * compacted log segments are ({@link GradualDeletion}: one unlink of a 12 MB snapshot held every other fsync on
 * the file system 7-10 ms). A file that a reader still has open is unlinked whole instead, since a cut would take
 * its data from under the reader; recovery deletes a {@code .deleting} file that a crash left.
 *
 * <p>Thread-safe: the state machine may write a snapshot on its own thread while the owner reads metadata.
 */
public final class SnapshotStore {

    static final int MAGIC = 0x43534E50;
    static final int TRAILER_MAGIC = 0x43454E44;
    static final int VERSION = 1;
    static final int TRAILER_BYTES = 16;
    private static final int MAX_CONFIGURATION_BYTES = 1 << 20;
    private static final String PREFIX = "snapshot-";
    private static final String SUFFIX = ".snap";
    private static final String TEMPORARY = ".tmp";
    private static final String DELETING = ".deleting";

    private final Disk disk;
    private final Path directory;
    private final int retained;
    private final List<SnapshotMetadata> snapshots = new ArrayList<>();
    /** The base the log's durable records are compacted to (index 0: none); never retired. */
    private SnapshotMetadata durableBase;
    /** Bases the log wrote, oldest first, with the ticket that makes each durable. */
    private final ArrayDeque<WrittenBase> basesWritten = new ArrayDeque<>();

    private record WrittenBase(SnapshotMetadata base, long ticket) {
    }

    /** How many data streams are open on each file; a file with one is never cut. */
    private final Map<Path, Integer> readers = new HashMap<>();
    private StorageFailedException failure;

    private SnapshotStore(Disk disk, Path directory, int retained) {
        this.disk = disk;
        this.directory = directory;
        this.retained = retained;
    }

    /**
     * Opens (creating if needed) the store, deleting unfinished snapshots (each path added to {@code removed}) and
     * verifying the newest.
     */
    public static SnapshotStore open(Disk disk, Path directory, int retained, List<Path> removed) throws IOException {
        SnapshotStore store = new SnapshotStore(disk, directory, retained);
        disk.createDirectories(directory);
        for (String name : disk.list(directory)) {
            if (name.startsWith(PREFIX) && (name.endsWith(SUFFIX + TEMPORARY) || name.endsWith(SUFFIX + DELETING))) {
                disk.delete(directory.resolve(name));
                removed.add(directory.resolve(name));
            } else if (name.startsWith(PREFIX) && name.endsWith(SUFFIX)) {
                store.snapshots.add(store.readMetadata(directory.resolve(name)));
            }
        }
        store.snapshots.sort(Comparator.comparingLong(SnapshotMetadata::lastIncludedIndex));
        if (!store.snapshots.isEmpty()) {
            store.verifyData(store.snapshots.get(store.snapshots.size() - 1));
        }
        return store;
    }

    /**
     * The log's durable records are compacted to {@code base} (a recovered log's base): its snapshot is never
     * retired until a newer base is durable.
     */
    public synchronized void pinBase(SnapshotMetadata base) {
        durableBase = base;
    }

    /** The log wrote a record compacting it to {@code base}; it is durable once {@code ticket} is. */
    public synchronized void baseWritten(SnapshotMetadata base, long ticket) {
        basesWritten.addLast(new WrittenBase(base, ticket));
    }

    /** Everything the log wrote up to {@code ticket} is durable: the newest base written by then is the durable one. */
    public synchronized void durableThrough(long ticket) {
        while (!basesWritten.isEmpty() && basesWritten.peekFirst().ticket() <= ticket) {
            durableBase = basesWritten.removeFirst().base();
        }
    }

    /** The newest complete snapshot. */
    public synchronized Optional<SnapshotMetadata> latest() {
        return snapshots.isEmpty() ? Optional.empty() : Optional.of(snapshots.get(snapshots.size() - 1));
    }

    /**
     * The size of a kept snapshot's file in bytes (its data and a few dozen bytes of header and trailer), or 0 if
     * it is no longer kept or cannot be read: a size is a hint for when to snapshot next, never a reason to fail.
     */
    public long sizeBytes(SnapshotMetadata metadata) {
        try (DiskFile file = disk.open(path(metadata))) {
            return file.size();
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Every snapshot kept, oldest first. */
    public synchronized List<SnapshotMetadata> list() {
        return List.copyOf(snapshots);
    }

    public synchronized boolean contains(SnapshotMetadata metadata) {
        return snapshots.stream().anyMatch(kept -> kept.lastIncludedIndex() == metadata.lastIncludedIndex()
                && kept.lastIncludedTerm() == metadata.lastIncludedTerm());
    }

    /** Starts writing a snapshot; nothing of it is visible until {@link SnapshotWriter#commit()}. */
    public SnapshotWriter begin(SnapshotMetadata metadata) {
        if (metadata.lastIncludedIndex() == 0) {
            throw new IllegalArgumentException("a snapshot must include at least one entry: " + metadata);
        }
        requireWorking();
        Path target = path(metadata);
        Path temporary = target.resolveSibling(target.getFileName() + TEMPORARY);
        try {
            return new SnapshotWriter(this, disk.create(temporary), temporary, metadata, header(metadata));
        } catch (IOException e) {
            throw fail("cannot create " + temporary, e);
        }
    }

    /**
     * The data of a kept snapshot, checked against its checksum as it is read: the stream's last read throws
     * {@link CorruptStorageException} rather than end normally if the data is damaged.
     */
    public InputStream openData(SnapshotMetadata metadata) throws IOException {
        Path file = path(metadata);
        // Counted before the open: a snapshot retired meanwhile is then either still readable whole (unlinked,
        // not cut, as it has a reader) or already renamed away, so the open fails; never cut under the reader.
        addReader(file);
        DiskFile handle = null;
        try {
            handle = disk.open(file);
            long dataStart = readHeader(file, handle).dataStart();
            return new SnapshotDataStream(file, handle, dataStart, handle.size() - TRAILER_BYTES,
                    () -> removeReader(file));
        } catch (RuntimeException | IOException e) {
            if (handle != null) {
                handle.close();
            }
            removeReader(file);
            throw e;
        }
    }

    private synchronized void addReader(Path file) {
        readers.merge(file, 1, Integer::sum);
    }

    private synchronized void removeReader(Path file) {
        readers.computeIfPresent(file, (name, count) -> count == 1 ? null : count - 1);
    }

    /**
     * Called by a writer whose file is complete and forced: makes it the newest snapshot, then deletes the
     * snapshots no longer kept, the slow part outside this store's monitor (on the caller's thread).
     */
    void publish(Path temporary, SnapshotMetadata metadata) {
        for (Path doomed : publishAndRetire(temporary, metadata)) {
            try {
                GradualDeletion.cutAndDelete(disk, disk.open(doomed), doomed);
            } catch (IOException e) {
                throw fail("cannot delete old snapshot " + doomed, e);
            }
        }
    }

    /** Publishes the snapshot; returns the retired files that are to be cut and deleted (renamed, no reader). */
    private synchronized List<Path> publishAndRetire(Path temporary, SnapshotMetadata metadata) {
        requireWorking();
        try {
            disk.rename(temporary, path(metadata));
            disk.syncDirectory(directory);
        } catch (IOException e) {
            throw fail("cannot rename " + temporary + " into place", e);
        }
        snapshots.removeIf(kept -> kept.lastIncludedIndex() == metadata.lastIncludedIndex());
        snapshots.add(metadata);
        snapshots.sort(Comparator.comparingLong(SnapshotMetadata::lastIncludedIndex));
        List<Path> doomed = new ArrayList<>();
        List<SnapshotMetadata> retired = new ArrayList<>();
        // The newest `retained` stay, and so do the log's bases, which do not count against them.
        for (SnapshotMetadata older : snapshots.subList(0, Math.max(0, snapshots.size() - retained))) {
            if (!isBaseOfTheLog(older)) {
                retired.add(older);
            }
        }
        snapshots.removeAll(retired);
        for (SnapshotMetadata gone : retired) {
            Path oldest = path(gone);
            try {
                if (readers.containsKey(oldest)) {
                    disk.delete(oldest); // the reader keeps its data until it closes the file
                } else {
                    Path renamed = oldest.resolveSibling(oldest.getFileName() + DELETING);
                    disk.rename(oldest, renamed);
                    doomed.add(renamed);
                }
            } catch (IOException e) {
                throw fail("cannot delete old snapshot " + oldest, e);
            }
        }
        if (!doomed.isEmpty()) {
            try {
                disk.syncDirectory(directory); // no cut may survive a crash that the rename did not
            } catch (IOException e) {
                throw fail("cannot delete old snapshots " + doomed, e);
            }
        }
        return doomed;
    }

    /** The durable base's snapshot, or one of a base written and not yet durable: the log needs each of them. */
    private boolean isBaseOfTheLog(SnapshotMetadata snapshot) {
        if (sameSnapshot(durableBase, snapshot)) {
            return true;
        }
        for (WrittenBase written : basesWritten) {
            if (sameSnapshot(written.base(), snapshot)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameSnapshot(SnapshotMetadata a, SnapshotMetadata b) {
        return a != null && a.lastIncludedIndex() == b.lastIncludedIndex()
                && a.lastIncludedTerm() == b.lastIncludedTerm();
    }

    void deleteTemporary(Path temporary) throws IOException {
        disk.delete(temporary);
    }

    synchronized StorageFailedException fail(String what, IOException cause) {
        if (failure == null) {
            failure = new StorageFailedException("snapshot store stopped: " + what, cause);
        }
        return failure;
    }

    synchronized void requireWorking() {
        if (failure != null) {
            throw new StorageFailedException("snapshot store stopped after an earlier failure", failure);
        }
    }

    Path path(SnapshotMetadata metadata) {
        return directory.resolve(String.format(Locale.ROOT, "%s%020d-%020d%s", PREFIX,
                metadata.lastIncludedIndex(), metadata.lastIncludedTerm(), SUFFIX));
    }

    static byte[] header(SnapshotMetadata metadata) {
        byte[] configuration = ConfigurationCodec.encode(metadata.configuration());
        ByteBuffer header = ByteBuffer.allocate(32 + configuration.length);
        header.putInt(MAGIC).putInt(VERSION).putLong(metadata.lastIncludedIndex()).putLong(metadata.lastIncludedTerm())
                .putInt(configuration.length).put(configuration);
        CRC32C crc = new CRC32C();
        crc.update(header.array(), 0, header.position());
        header.putInt((int) crc.getValue());
        return header.array();
    }

    private record Header(SnapshotMetadata metadata, long dataStart) {
    }

    private static Header readHeader(Path file, DiskFile handle) throws IOException {
        long size = handle.size();
        if (size < 28 + TRAILER_BYTES) {
            throw new CorruptStorageException(file, 0, "snapshot file of " + size + " bytes is too short");
        }
        ByteBuffer fixed = ByteBuffer.allocate(28);
        handle.readFully(fixed, 0);
        if (fixed.getInt(0) != MAGIC || fixed.getInt(4) != VERSION) {
            throw new CorruptStorageException(file, 0, "not a snapshot file of format version " + VERSION);
        }
        int configurationLength = fixed.getInt(24);
        if (configurationLength < 0 || configurationLength > MAX_CONFIGURATION_BYTES
                || 32L + configurationLength + TRAILER_BYTES > size) {
            throw new CorruptStorageException(file, 24, "snapshot configuration length " + configurationLength
                    + " does not fit the file");
        }
        ByteBuffer whole = ByteBuffer.allocate(32 + configurationLength);
        handle.readFully(whole, 0);
        CRC32C crc = new CRC32C();
        crc.update(whole.array(), 0, 28 + configurationLength);
        if ((int) crc.getValue() != whole.getInt(28 + configurationLength)) {
            throw new CorruptStorageException(file, 28 + configurationLength, "snapshot header checksum mismatch");
        }
        byte[] configuration = new byte[configurationLength];
        whole.get(28, configuration);
        try {
            SnapshotMetadata metadata = new SnapshotMetadata(whole.getLong(8), whole.getLong(16),
                    ConfigurationCodec.decode(configuration));
            return new Header(metadata, 32 + configurationLength);
        } catch (IllegalArgumentException invalid) {
            throw new CorruptStorageException(file, 8, "snapshot metadata invalid: " + invalid.getMessage());
        }
    }

    /** Reads the whole data of a snapshot: the stream checks the data checksum when it reaches the end. */
    private void verifyData(SnapshotMetadata metadata) throws IOException {
        try (InputStream data = openData(metadata)) {
            byte[] chunk = new byte[64 << 10];
            while (data.read(chunk) >= 0) {
                // reading is the check
            }
        }
    }

    /** The metadata in a snapshot file's header, which must agree with the file's name. */
    private SnapshotMetadata readMetadata(Path file) throws IOException {
        String name = file.getFileName().toString();
        String[] parts = name.substring(PREFIX.length(), name.length() - SUFFIX.length()).split("-");
        SnapshotMetadata stored;
        try (DiskFile handle = disk.open(file)) {
            stored = readHeader(file, handle).metadata();
        }
        if (parts.length != 2 || !parts[0].equals(String.format(Locale.ROOT, "%020d", stored.lastIncludedIndex()))
                || !parts[1].equals(String.format(Locale.ROOT, "%020d", stored.lastIncludedTerm()))) {
            throw new CorruptStorageException(file, 8, "snapshot header says index " + stored.lastIncludedIndex()
                    + " term " + stored.lastIncludedTerm() + ", which the file name does not");
        }
        return stored;
    }
}
