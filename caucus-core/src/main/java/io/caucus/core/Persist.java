package io.caucus.core;

import java.util.List;

/**
 * An instruction to make state durable. The runtime carries out instructions in sequence order: first the
 * snapshot base, if any (the snapshot is already in the runtime's snapshot store; the log drops the prefix it
 * covers, keeping later entries only if the log holds the snapshot's last entry with the same term), then the
 * entries (truncating any held entry at or after the first one's index, then appending), then the hard state,
 * then an fsync; then it reports {@link RaftNode#persisted(long)} with this sequence number.
 *
 * <p>Messages whose meaning depends on this state being durable (votes, acknowledgements of entries or of an
 * installed snapshot) are not in any {@link Ready} until that report: the core holds them and releases them
 * then, so there is no way to send them early.
 *
 * @param sequence  increases by one with each instruction
 * @param hardState the hard state to write, or {@code null} if it has not changed
 * @param entries   entries to append (possibly after a truncation); may be empty; all after the snapshot
 * @param snapshot  the snapshot to make the log's base before the entries (Raft paper §7), or {@code null}
 */
public record Persist(long sequence, HardState hardState, List<LogEntry> entries, SnapshotMetadata snapshot) {

    public Persist {
        entries = List.copyOf(entries);
        if (snapshot != null && !entries.isEmpty() && entries.get(0).index() <= snapshot.lastIncludedIndex()) {
            throw new IllegalArgumentException("entry " + entries.get(0).index() + " is covered by the snapshot at "
                    + snapshot.lastIncludedIndex() + " persisted with it");
        }
    }

    /** An instruction without a snapshot. */
    public Persist(long sequence, HardState hardState, List<LogEntry> entries) {
        this(sequence, hardState, entries, null);
    }

    /** The index of the first entry to write: every held entry at or after it is replaced. */
    public long firstIndex() {
        return entries.isEmpty() ? 0 : entries.get(0).index();
    }

    public long lastIndex() {
        return entries.isEmpty() ? 0 : entries.get(entries.size() - 1).index();
    }
}
