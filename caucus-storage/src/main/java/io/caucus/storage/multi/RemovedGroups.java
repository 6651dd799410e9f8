package io.caucus.storage.multi;

import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.Disk;
import io.caucus.storage.DiskFile;
import io.caucus.storage.StorageFailedException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.zip.CRC32C;

/**
 * The ids of the groups ever removed from a host, kept for good, so that a removed id is never opened again.
 *
 * <p>Why: a replica keeps its vote (the hard state) in its log. Were a removed replica started again under the same
 * id while its group's configuration still names this process, it would start empty and could vote a second time
 * in a term it already voted in, electing two leaders (Raft §5.2, §5.4.1). The shared WAL forgets a removed group
 * once its segments are deleted, so the host keeps this record beside it.
 *
 * <p>Format: {@code removed-groups}, a sequence of 12-byte records, each a group id (8 bytes, big-endian) and the
 * CRC32C of those 8 bytes, appended and forced one at a time. Only the last record can be torn by a crash: a short
 * or damaged last record is cut off on open (the removal it began had not been acknowledged); a damaged record
 * followed by others is {@link CorruptStorageException}.
 *
 * <p>Threading: one thread at a time (the host's storage serialises).
 */
public final class RemovedGroups implements AutoCloseable {

    static final String FILE_NAME = "removed-groups";
    private static final int RECORD_BYTES = 12;

    private final Path path;
    private final DiskFile file;
    private final SortedSet<Long> ids;
    private long size;

    private RemovedGroups(Path path, DiskFile file, SortedSet<Long> ids, long size) {
        this.path = path;
        this.file = file;
        this.ids = ids;
        this.size = size;
    }

    /**
     * Opens (or creates, durably) the record in {@code directory}, cutting off a torn last record.
     *
     * @throws CorruptStorageException if a record other than the last is damaged
     * @throws StorageFailedException  on an I/O error
     */
    public static RemovedGroups open(Disk disk, Path directory) {
        Path path = directory.resolve(FILE_NAME);
        try {
            if (!disk.exists(path)) {
                DiskFile created = disk.create(path);
                created.force();
                disk.syncDirectory(directory);
                return new RemovedGroups(path, created, new TreeSet<>(), 0);
            }
            DiskFile file = disk.open(path);
            try {
                return recover(path, file);
            } catch (RuntimeException e) {
                file.close();
                throw e;
            }
        } catch (IOException e) {
            throw new StorageFailedException("cannot open the record of removed groups " + path, e);
        }
    }

    private static RemovedGroups recover(Path path, DiskFile file) throws IOException {
        long length = file.size();
        SortedSet<Long> ids = new TreeSet<>();
        ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES);
        long valid = 0;
        while (valid + RECORD_BYTES <= length) {
            record.clear();
            file.readFully(record, valid);
            record.flip();
            long group = record.getLong();
            int crc = record.getInt();
            if (crc != checksum(group)) {
                if (valid + RECORD_BYTES < length) {
                    throw new CorruptStorageException(path, valid, "the record of a removed group is damaged"
                            + " (checksum mismatch) and records follow it");
                }
                break; // the last record, torn by a crash during its append
            }
            ids.add(group);
            valid += RECORD_BYTES;
        }
        if (valid < length) {
            file.truncate(valid);
            file.force();
        }
        return new RemovedGroups(path, file, ids, valid);
    }

    /** True if {@code group} was removed from this host. */
    public boolean contains(long group) {
        return ids.contains(group);
    }

    /** Every removed group, ascending. */
    public SortedSet<Long> ids() {
        return Collections.unmodifiableSortedSet(ids);
    }

    /**
     * Records {@code group} as removed, durably, before it returns.
     *
     * @throws StorageFailedException on an I/O error (then the group may or may not be recorded)
     */
    public void add(long group) {
        if (ids.contains(group)) {
            return;
        }
        ByteBuffer record = ByteBuffer.allocate(RECORD_BYTES).putLong(group).putInt(checksum(group)).flip();
        try {
            file.write(record, size);
            file.force();
        } catch (IOException e) {
            throw new StorageFailedException("cannot record the removal of group " + group + " in " + path, e);
        }
        size += RECORD_BYTES;
        ids.add(group);
    }

    private static int checksum(long group) {
        CRC32C crc = new CRC32C();
        crc.update(ByteBuffer.allocate(Long.BYTES).putLong(group).flip());
        return (int) crc.getValue();
    }

    @Override
    public void close() {
        try {
            file.close();
        } catch (IOException ignored) {
            // every record was forced when added
        }
    }
}
