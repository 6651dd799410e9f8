package io.caucus.storage;

import java.nio.file.Path;

/**
 * Data on disk is damaged in a way that a crash cannot explain (a checksum mismatch before the end of the log,
 * a missing segment, an index gap, a bad snapshot). The node must not serve from this directory: the message
 * names the file and byte offset and says what the operator can do.
 */
public final class CorruptStorageException extends StorageException {

    /** What an operator can do about damage that a crash cannot explain. */
    public static final String ADVICE = "The node must not start on this data. If the other servers of the cluster"
            + " hold a majority, move this node's data directory aside and restart it empty so it catches up from"
            + " the leader (it rejoins with a snapshot); otherwise restore the directory from a backup.";

    private final Path file;
    private final long offset;

    public CorruptStorageException(Path file, long offset, String problem) {
        this(file, offset, problem, null);
    }

    public CorruptStorageException(Path file, long offset, String problem, Throwable cause) {
        super(file + " at byte " + offset + ": " + problem + ". " + ADVICE, cause);
        this.file = file;
        this.offset = offset;
    }

    public Path file() {
        return file;
    }

    public long offset() {
        return offset;
    }
}
