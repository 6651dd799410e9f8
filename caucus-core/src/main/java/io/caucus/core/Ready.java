package io.caucus.core;

import io.caucus.core.message.RaftMessage;
import java.util.List;

/**
 * Everything the runtime must do after feeding the core, taken at once by {@link RaftNode#ready()}. The
 * pieces are independent and may proceed in parallel (thesis §10.2.1: the leader writes its own log while
 * its AppendEntries are on the wire):
 *
 * <ul>
 *   <li>{@code messages}: send now, in any order, at most once each (loss is tolerated);
 *   <li>{@code persist}: make durable, then report {@link RaftNode#persisted(long)} ({@code null} if nothing);
 *   <li>{@code committedEntries}: apply in order, then report {@link RaftNode#applied(long)};
 *   <li>{@code reads}: outcomes of {@link RaftNode#readIndex(long)} requests.
 * </ul>
 */
public record Ready(List<RaftMessage> messages, Persist persist, List<LogEntry> committedEntries,
                    List<ReadResult> reads) {

    public static final Ready EMPTY = new Ready(List.of(), null, List.of(), List.of());

    public Ready {
        messages = List.copyOf(messages);
        committedEntries = List.copyOf(committedEntries);
        reads = List.copyOf(reads);
    }

    public boolean isEmpty() {
        return messages.isEmpty() && persist == null && committedEntries.isEmpty() && reads.isEmpty();
    }
}
