package io.caucus.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.TreeMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * A disk in memory that forgets what was not made durable when it {@link #crash(Random) crashes}, and fails
 * on request. Used by storage tests and by the simulator.
 *
 * <p>Model: each file keeps its durable bytes (as of its last successful {@link DiskFile#force()}) and the
 * writes and truncations made since, in order. Each directory keeps its durable entries (as of its last
 * {@link #syncDirectory(Path)}) and the creations, renames and deletions made since, in order. A crash keeps
 * a random prefix of each file's pending writes, the last one possibly torn, and a random prefix of each
 * directory's pending entry changes (or none of either, without a {@link Random}). Every file handle open at
 * the crash is dead afterwards. Directories themselves are durable at once.
 *
 * <p>Faults: {@link #failNext(Operation)} fails the next call of one kind; {@link #failAfter(long)} fails every
 * call after a number of further calls (a power cut seen from the program: follow it with a crash);
 * {@link #setCapacityBytes(long)} makes writes past a total size fail with "No space left on device" after
 * writing what fits.
 *
 * <p>Thread-safe: every operation holds this disk's monitor.
 */
public final class SimulatedDisk implements Disk {

    /** The kinds of call a fault can be injected into. */
    public enum Operation { CREATE, OPEN, WRITE, READ, FORCE, TRUNCATE, LIST, RENAME, DELETE, SYNC_DIRECTORY }

    // Sorted maps and insertion-ordered sets: a crash draws from the Random in a fixed order, so a seed
    // replays exactly.
    private final Map<Path, Inode> files = new TreeMap<>();
    private final Map<Path, Inode> durableFiles = new TreeMap<>();
    private final Map<Path, List<EntryChange>> pendingChanges = new TreeMap<>();
    private final Set<Path> directories = new HashSet<>();
    private final Set<Path> locks = new HashSet<>();
    private final Map<Operation, Integer> failuresRequested = new EnumMap<>(Operation.class);
    private long callsBeforeFailure = -1;
    private long capacityBytes = Long.MAX_VALUE;
    private long operationCount;
    private int generation;

    @Override
    public synchronized DiskFile create(Path file) throws IOException {
        call(Operation.CREATE);
        requireDirectory(file.getParent());
        Inode inode = new Inode();
        files.put(file, inode);
        changed(file.getParent(), new EntryChange(null, file, inode));
        return new Handle(inode, file, generation);
    }

    @Override
    public synchronized DiskFile open(Path file) throws IOException {
        call(Operation.OPEN);
        Inode inode = files.get(file);
        if (inode == null) {
            throw new java.nio.file.NoSuchFileException(file.toString());
        }
        return new Handle(inode, file, generation);
    }

    @Override
    public synchronized boolean exists(Path path) {
        return files.containsKey(path) || directories.contains(path);
    }

    @Override
    public synchronized void createDirectories(Path directory) {
        for (Path at = directory; at != null; at = at.getParent()) {
            directories.add(at);
        }
    }

    @Override
    public synchronized List<String> list(Path directory) throws IOException {
        call(Operation.LIST);
        requireDirectory(directory);
        List<String> names = new ArrayList<>();
        for (Path file : files.keySet()) {
            if (directory.equals(file.getParent())) {
                names.add(file.getFileName().toString());
            }
        }
        return names;
    }

    @Override
    public synchronized void rename(Path from, Path to) throws IOException {
        call(Operation.RENAME);
        Inode inode = files.remove(from);
        if (inode == null) {
            throw new java.nio.file.NoSuchFileException(from.toString());
        }
        files.put(to, inode);
        changed(to.getParent(), new EntryChange(from, to, inode));
    }

    @Override
    public synchronized void delete(Path file) throws IOException {
        call(Operation.DELETE);
        if (files.remove(file) != null) {
            changed(file.getParent(), new EntryChange(file, null, null));
        }
    }

    @Override
    public synchronized void syncDirectory(Path directory) throws IOException {
        call(Operation.SYNC_DIRECTORY);
        List<EntryChange> changes = pendingChanges.remove(directory);
        if (changes != null) {
            changes.forEach(change -> change.applyTo(durableFiles));
        }
    }

    /** Locks are held by the program, not the disk: a crash (the program's death) releases them all. */
    @Override
    public synchronized java.io.Closeable lock(Path file) throws IOException {
        if (!locks.add(file)) {
            throw new IOException(file + " is locked: the directory is already open");
        }
        int lockedInGeneration = generation;
        return () -> {
            synchronized (SimulatedDisk.this) {
                if (generation == lockedInGeneration) {
                    locks.remove(file);
                }
            }
        };
    }

    /**
     * Loses what was not durable. With {@code random}, keeps a random prefix of each file's pending writes
     * (the last kept one possibly cut short) and of each directory's pending entry changes; without, keeps none.
     * Clears injected faults.
     */
    public synchronized void crash(Random random) {
        for (List<EntryChange> changes : pendingChanges.values()) {
            int kept = random == null ? 0 : random.nextInt(changes.size() + 1);
            changes.subList(0, kept).forEach(change -> change.applyTo(durableFiles));
        }
        pendingChanges.clear();
        Set<Inode> inodes = new LinkedHashSet<>(files.values());
        inodes.addAll(durableFiles.values());
        for (Inode inode : inodes) {
            inode.crash(random);
        }
        files.clear();
        files.putAll(durableFiles);
        failuresRequested.clear();
        callsBeforeFailure = -1;
        locks.clear();
        generation++;
    }

    /** Fails the next call of this kind with an I/O error. */
    public synchronized void failNext(Operation operation) {
        failuresRequested.merge(operation, 1, Integer::sum);
    }

    /** Lets {@code calls} more calls succeed, then fails every call until {@link #crash(Random)}. */
    public synchronized void failAfter(long calls) {
        callsBeforeFailure = calls;
    }

    /** Total bytes all files may hold; a write past it writes what fits, then fails. */
    public synchronized void setCapacityBytes(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** Calls made so far, for choosing a random point to fail at. */
    public synchronized long operationCount() {
        return operationCount;
    }

    /** Flips one bit of a file's current and durable content, as bit rot would. */
    public synchronized void flipBit(Path file, long offset, int bit) throws IOException {
        Inode inode = files.get(file);
        if (inode == null || offset >= inode.size) {
            throw new IOException("no byte " + offset + " in " + file);
        }
        inode.data[(int) offset] ^= (byte) (1 << bit);
        if (offset < inode.durableSize) {
            inode.durableData[(int) offset] ^= (byte) (1 << bit);
        }
    }

    /** Bytes of {@code file} that a crash now would certainly keep. */
    public synchronized long durableSize(Path file) {
        Inode inode = durableFiles.get(file);
        return inode == null ? -1 : inode.durableSize;
    }

    private void call(Operation operation) throws IOException {
        operationCount++;
        if (callsBeforeFailure == 0) {
            throw new IOException("simulated I/O error (disk unreachable) in " + operation);
        }
        if (callsBeforeFailure > 0) {
            callsBeforeFailure--;
        }
        Integer requested = failuresRequested.get(operation);
        if (requested != null) {
            failuresRequested.put(operation, requested - 1);
            if (requested == 1) {
                failuresRequested.remove(operation);
            }
            throw new IOException("simulated I/O error in " + operation);
        }
    }

    private void requireDirectory(Path directory) throws IOException {
        if (directory == null || !directories.contains(directory)) {
            throw new java.nio.file.NoSuchFileException("no directory " + directory);
        }
    }

    private void changed(Path directory, EntryChange change) {
        pendingChanges.computeIfAbsent(directory, ignored -> new ArrayList<>()).add(change);
    }

    private long usedBytes() {
        Set<Inode> inodes = new HashSet<>(files.values());
        long used = 0;
        for (Inode inode : inodes) {
            used += inode.size;
        }
        return used;
    }

    /** A change to a directory entry: create (from null), rename, or delete (to null). */
    private record EntryChange(Path from, Path to, Inode inode) {
        void applyTo(Map<Path, Inode> entries) {
            if (from != null) {
                entries.remove(from);
            }
            if (to != null) {
                entries.put(to, inode);
            }
        }
    }

    /** A write ({@code bytes} at {@code position}) or a truncation ({@code bytes == null}) not yet durable. */
    private record PendingChange(long position, byte[] bytes) {
    }

    private static final class Inode {
        byte[] data = new byte[0];
        int size;
        byte[] durableData = new byte[0];
        int durableSize;
        final List<PendingChange> pending = new ArrayList<>();

        void write(byte[] bytes, long position) {
            int end = Math.toIntExact(position + bytes.length);
            if (end > data.length) {
                data = Arrays.copyOf(data, Math.max(end, data.length * 2));
            }
            System.arraycopy(bytes, 0, data, (int) position, bytes.length);
            if (position > size) {
                Arrays.fill(data, size, (int) position, (byte) 0);
            }
            size = Math.max(size, end);
        }

        void truncate(long newSize) {
            if (newSize < size) {
                size = (int) newSize;
            }
        }

        /** Applies the pending changes to the durable copy: cost proportional to what changed, not the file. */
        void force() {
            for (PendingChange change : pending) {
                if (change.bytes() == null) {
                    durableSize = (int) Math.min(durableSize, change.position());
                } else {
                    int end = (int) change.position() + change.bytes().length;
                    if (end > durableData.length) {
                        durableData = Arrays.copyOf(durableData, Math.max(end, durableData.length * 2));
                    }
                    if (change.position() > durableSize) {
                        Arrays.fill(durableData, durableSize, (int) change.position(), (byte) 0);
                    }
                    System.arraycopy(change.bytes(), 0, durableData, (int) change.position(), change.bytes().length);
                    durableSize = Math.max(durableSize, end);
                }
            }
            pending.clear();
        }

        void crash(Random random) {
            List<PendingChange> lost = new ArrayList<>(pending);
            pending.clear();
            data = Arrays.copyOf(durableData, durableData.length);
            size = durableSize;
            int kept = random == null ? 0 : random.nextInt(lost.size() + 1);
            for (int i = 0; i < kept; i++) {
                PendingChange change = lost.get(i);
                boolean torn = i == kept - 1 && change.bytes() != null && random.nextBoolean();
                if (change.bytes() == null) {
                    truncate(change.position());
                    pending.add(change);
                } else if (torn) {
                    byte[] prefix = Arrays.copyOf(change.bytes(), random.nextInt(change.bytes().length + 1));
                    write(prefix, change.position());
                    pending.add(new PendingChange(change.position(), prefix));
                } else {
                    write(change.bytes(), change.position());
                    pending.add(change);
                }
            }
            force();
        }
    }

    private final class Handle implements DiskFile {
        private final Inode inode;
        private final Path path;
        private final int openedInGeneration;
        private boolean closed;

        Handle(Inode inode, Path path, int openedInGeneration) {
            this.inode = inode;
            this.path = path;
            this.openedInGeneration = openedInGeneration;
        }

        @Override
        public long size() throws IOException {
            synchronized (SimulatedDisk.this) {
                requireLive();
                return inode.size;
            }
        }

        @Override
        public void write(ByteBuffer source, long position) throws IOException {
            synchronized (SimulatedDisk.this) {
                requireLive();
                call(Operation.WRITE);
                byte[] bytes = new byte[source.remaining()];
                source.get(bytes);
                long growth = Math.max(0, position + bytes.length - inode.size);
                long room = capacityBytes - usedBytes();
                if (growth > room) {
                    int fits = (int) Math.max(0, bytes.length - (growth - Math.max(0, room)));
                    record(Arrays.copyOf(bytes, fits), position);
                    throw new IOException("No space left on device (simulated) writing " + path);
                }
                record(bytes, position);
            }
        }

        private void record(byte[] bytes, long position) {
            if (bytes.length > 0) {
                inode.write(bytes, position);
                inode.pending.add(new PendingChange(position, bytes));
            }
        }

        @Override
        public int read(ByteBuffer target, long position) throws IOException {
            synchronized (SimulatedDisk.this) {
                requireLive();
                call(Operation.READ);
                if (position >= inode.size) {
                    return -1;
                }
                int count = (int) Math.min(target.remaining(), inode.size - position);
                target.put(inode.data, (int) position, count);
                return count;
            }
        }

        @Override
        public void force() throws IOException {
            synchronized (SimulatedDisk.this) {
                requireLive();
                call(Operation.FORCE);
                inode.force();
            }
        }

        @Override
        public void truncate(long size) throws IOException {
            synchronized (SimulatedDisk.this) {
                requireLive();
                call(Operation.TRUNCATE);
                inode.truncate(size);
                inode.pending.add(new PendingChange(size, null));
            }
        }

        @Override
        public void close() {
            synchronized (SimulatedDisk.this) {
                closed = true;
            }
        }

        private void requireLive() throws IOException {
            if (closed) {
                throw new java.nio.channels.ClosedChannelException();
            }
            if (openedInGeneration != generation) {
                throw new IOException("file handle for " + path + " was open when the disk crashed");
            }
        }
    }
}
