package io.caucus.storage;

import java.nio.file.Path;
import java.util.List;

/**
 * What opening a store had to repair: the torn tail of the newest segment (an append in progress at a crash)
 * and leftover files of interrupted operations. Anything else wrong stops the open with a
 * {@link CorruptStorageException} instead of appearing here.
 *
 * @param truncatedTails  bytes cut from the end of a file because they held no complete, valid record
 * @param removedFiles    files deleted: unfinished snapshots, a segment whose header was never completed
 */
public record RecoveryReport(List<TruncatedTail> truncatedTails, List<Path> removedFiles) {

    public RecoveryReport {
        truncatedTails = List.copyOf(truncatedTails);
        removedFiles = List.copyOf(removedFiles);
    }

    /**
     * @param file    the segment cut
     * @param offset  where the valid records end and the cut starts
     * @param bytes   how many bytes were cut
     * @param reason  what was found at {@code offset}
     */
    public record TruncatedTail(Path file, long offset, long bytes, String reason) {
    }

    public boolean isClean() {
        return truncatedTails.isEmpty() && removedFiles.isEmpty();
    }
}
