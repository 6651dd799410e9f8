package io.caucus.core;

import io.caucus.core.message.RaftMessage;
import java.util.List;

/**
 * Everything the runtime must do after feeding the core, taken at once by {@link RaftNode#ready()}. The
 * pieces are independent and may proceed in parallel (thesis §10.2.1: the leader writes its own log while
 * its AppendEntries are on the wire):
 *
 * <ul>
 *   <li>{@code messages}: send now, in any order, at most once each (loss is tolerated); an
 *       {@link io.caucus.core.message.InstallSnapshot} is preceded by streaming the snapshot's data, and a
 *       transfer that fails is reported with {@link RaftNode#reportSnapshotFailed};
 *   <li>{@code persist}: make durable, then report {@link RaftNode#persisted(long)} ({@code null} if nothing);
 *   <li>{@code restore}: load the state machine from this snapshot (in the runtime's snapshot store) before
 *       applying {@code committedEntries}, then report {@link RaftNode#applied(long)} with its last included
 *       index ({@code null} if nothing to restore);
 *   <li>{@code committedEntries}: apply in order, then report {@link RaftNode#applied(long)};
 *   <li>{@code reads}: outcomes of {@link RaftNode#readIndex(long)} requests.
 * </ul>
 */
public record Ready(List<RaftMessage> messages, Persist persist, List<LogEntry> committedEntries,
                    List<ReadResult> reads, SnapshotMetadata restore) {

    public Ready {
        messages = List.copyOf(messages);
        committedEntries = List.copyOf(committedEntries);
        reads = List.copyOf(reads);
        if (restore != null && !committedEntries.isEmpty()
                && committedEntries.get(0).index() != restore.lastIncludedIndex() + 1) {
            throw new IllegalArgumentException("entries to apply after restoring the snapshot at "
                    + restore.lastIncludedIndex() + " start at " + committedEntries.get(0).index());
        }
    }
}
