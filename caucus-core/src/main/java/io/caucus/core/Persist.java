package io.caucus.core;

import java.util.List;

/**
 * An instruction to make state durable. The runtime carries out instructions in sequence order: first the
 * entries (truncating any held entry at or after the first one's index, then appending), then the hard
 * state, then an fsync; then it reports {@link RaftNode#persisted(long)} with this sequence number.
 *
 * <p>Messages whose meaning depends on this state being durable (votes, acknowledgements of entries) are
 * not in any {@link Ready} until that report: the core holds them and releases them then, so there is no
 * way to send them early.
 *
 * @param sequence  increases by one with each instruction
 * @param hardState the hard state to write, or {@code null} if it has not changed
 * @param entries   entries to append (possibly after a truncation); may be empty
 */
public record Persist(long sequence, HardState hardState, List<LogEntry> entries) {

    public Persist {
        entries = List.copyOf(entries);
    }

    /** The index of the first entry to write: every held entry at or after it is replaced. */
    public long firstIndex() {
        return entries.isEmpty() ? 0 : entries.get(0).index();
    }

    public long lastIndex() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    }
}
