package io.caucus.storage;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Deletes a file nobody reads any more by cutting it a megabyte at a time, each cut forced, before unlinking it.
 * On ext4 mounted with {@code discard} the blocks a change frees are trimmed inside the journal commit that every
 * fsync on the file system waits for: on the benchmark host one unlink of a 64 MiB log segment holds the log's
 * fsyncs 26-34 ms and one of a 12 MB snapshot 7-10 ms, while 1 MiB cuts hold them at most about a millisecond
 * each (docs/benchmarks.md, "What the design rests on").
 *
 * <p>The caller first renames the file to a name that recovery deletes and forces the directory, so that no cut
 * can survive a crash that the rename did not.
 */
final class GradualDeletion {

    private static final long STEP_BYTES = 1 << 20;

    private GradualDeletion() {
    }

    /** Cuts {@code file} (open on {@code path}) down step by step, closes it, then deletes {@code path}. */
    static void cutAndDelete(Disk disk, DiskFile file, Path path) throws IOException {
        try (file) {
            for (long size = file.size() - STEP_BYTES; size > 0; size -= STEP_BYTES) {
                file.truncate(size);
                file.force();
            }
        }
        disk.delete(path);
    }
}
