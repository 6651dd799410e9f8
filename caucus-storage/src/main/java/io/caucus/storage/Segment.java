package io.caucus.storage;

import java.nio.file.Path;
import java.util.Locale;

/**
 * One segment file of the log, named by its sequence number. Only the newest segment is appended to; all
 * older ones were forced in full before the next was created, which is why recovery accepts damage only at
 * the tail of the newest.
 *
 * <p>{@code size}, {@code allocatedBytes}, {@code maxEntryIndex} and {@code headerBytes} belong to the owner
 * thread. Past {@code size} (the end of the records) the file may hold zeros written ahead by preallocation.
 * {@code writtenBytes}, {@code syncedBytes} and {@code forcesInFlight} are shared with a thread that syncs
 * (the owner itself, or one other thread; see {@link DurableLog}) and guarded by the {@link SyncTracker}'s monitor.
 */
final class Segment {

    private static final String PREFIX = "wal-";
    private static final String SUFFIX = ".seg";

    final long sequence;
    final Path path;
    final DiskFile file;
    long size;
    /** How far the file holds records or preallocated zeros (0 for a recovered segment: never appended to). */
    long allocatedBytes;
    long maxEntryIndex;
    long headerBytes;

    long writtenBytes;
    long syncedBytes;
    int forcesInFlight;

    Segment(long sequence, Path path, DiskFile file) {
        this.sequence = sequence;
        this.path = path;
        this.file = file;
    }

    /**
     * Appended to a compacted segment's name while its file is being deleted. Recovery deletes such files:
     * their entries are covered by a snapshot, and they may be cut short.
     */
    static final String DELETING = ".deleting";

    static String fileName(long sequence) {
        return String.format(Locale.ROOT, "%s%020d%s", PREFIX, sequence, SUFFIX);
    }

    /** Whether {@code name} is a compacted segment's, renamed for deletion. */
    static boolean isBeingDeleted(String name) {
        return name.endsWith(DELETING) && parseSequence(name.substring(0, name.length() - DELETING.length())) >= 0;
    }

    /** The sequence number a segment file name carries, or -1 if the name is not a segment's. */
    static long parseSequence(String name) {
        if (!name.startsWith(PREFIX) || !name.endsWith(SUFFIX)
                || name.length() != PREFIX.length() + 20 + SUFFIX.length()) {
            return -1;
        }
        String digits = name.substring(PREFIX.length(), PREFIX.length() + 20);
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i))) {
                return -1;
            }
        }
        return Long.parseLong(digits);
    }

    @Override
    public String toString() {
        return path.getFileName().toString();
    }
}
