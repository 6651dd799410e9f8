package io.caucus.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The log as one node sees it: the durable log (a {@link LogView} the runtime writes) followed by an unstable
 * tail of entries this node has accepted but not yet been told are durable. Also tracks the commit index and
 * how far entries have been handed out to persist and to apply.
 *
 * <p>A snapshot (Raft paper §7) replaces the log's prefix. This view's snapshot may run ahead of the durable
 * log's: a compaction or an installed snapshot is handed out in a {@link Persist} and the runtime makes it the
 * durable log's base later, in sequence order. Until then the durable log may still hold entries the snapshot
 * covers; they are never read.
 *
 * <p>Invariants: {@code snapshotIndex <= applying}, {@code applied <= applying <= committed <= lastIndex()};
 * {@code snapshotIndex < unstableOffset}; every index in {@code snapshotIndex + 1 .. unstableOffset - 1} is read
 * from the durable log, every index at or above it from the unstable tail; committed entries are never
 * truncated.
 */
final class RaftLog implements LogView {

    private final LogView durable;
    /** The snapshot this view starts from: the durable log's, or a newer one not yet made its base. */
    private SnapshotMetadata snapshot;
    /** A snapshot to hand out in the next {@link Persist}, or null. */
    private SnapshotMetadata snapshotToPersist;
    /** A snapshot the state machine must load before applying more entries, or null. */
    private SnapshotMetadata snapshotToRestore;
    /** Index of the first unstable entry; entries below it are durable. */
    private long unstableOffset;
    private final List<LogEntry> unstable = new ArrayList<>();
    /** Index of the first unstable entry not yet handed out in a {@link Persist}. */
    private long nextToPersist;
    private long committed;
    /** Highest index handed out to apply. */
    private long applying;
    /** Highest index the state machine reported applied. */
    private long applied;

    RaftLog(LogView durable, long committed, long applied) {
        this.durable = durable;
        this.snapshot = durable.snapshot();
        this.unstableOffset = durable.lastIndex() + 1;
        this.nextToPersist = unstableOffset;
        // The durable commit index is a lower bound written lazily (see RaftNode#ready); clamp it to the log in
        // case the log write and the hard state write were not made durable together.
        this.committed = Math.min(committed, durable.lastIndex());
        long snapshotIndex = durable.snapshot().lastIncludedIndex();
        this.committed = Math.max(this.committed, snapshotIndex);
        Invariants.check(applied <= this.committed,
                "state machine applied " + applied + " beyond the log's commit index " + this.committed);
        this.applied = applied;
        this.applying = Math.max(applied, snapshotIndex);
        if (applied < snapshotIndex) {
            // The state machine is behind the log's base: the entries between are gone, so it loads the snapshot.
            this.snapshotToRestore = snapshot;
        }
    }

    @Override
    public long firstIndex() {
        return snapshot.lastIncludedIndex() + 1;
    }

    @Override
    public long lastIndex() {
        return unstable.isEmpty() ? unstableOffset - 1 : unstableOffset + unstable.size() - 1;
    }

    long lastTerm() {
        return term(lastIndex());
    }

    /** The last index known to be durable: everything before the unstable tail. */
    long durableLastIndex() {
        return unstableOffset - 1;
    }

    @Override
    public long term(long index) {
        if (index >= unstableOffset) {
            return unstableEntry(index).term();
        }
        if (index <= snapshot.lastIncludedIndex()) {
            if (index < snapshot.lastIncludedIndex()) {
                throw new IndexOutOfBoundsException("index " + index + " is compacted into the snapshot at "
                        + snapshot.lastIncludedIndex());
            }
            return snapshot.lastIncludedTerm();
        }
        return durable.term(index);
    }

    /** The term at {@code index}, or -1 if the log holds no such index (past its end or compacted). */
    long termOrMissing(long index) {
        if (index > lastIndex() || index < firstIndex() - 1) {
            return -1;
        }
        return term(index);
    }

    boolean matchesTerm(long index, long term) {
        return termOrMissing(index) == term;
    }

    /** §5.4.1: a candidate's log is at least as up-to-date as ours if its last term is higher, or equal and no shorter. */
    boolean isUpToDate(long candidateLastIndex, long candidateLastTerm) {
        long ourLastTerm = lastTerm();
        return candidateLastTerm > ourLastTerm
                || (candidateLastTerm == ourLastTerm && candidateLastIndex >= lastIndex());
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex < firstIndex() || toIndex > lastIndex() + 1 || fromIndex > toIndex) {
            throw new IndexOutOfBoundsException("range " + fromIndex + ".." + toIndex + " outside "
                    + firstIndex() + ".." + (lastIndex() + 1));
        }
        List<LogEntry> out = new ArrayList<>();
        if (fromIndex < unstableOffset) {
            out.addAll(durable.entries(fromIndex, Math.min(toIndex, unstableOffset), maxBytes));
            if (out.size() < Math.min(toIndex, unstableOffset) - fromIndex) {
                return out;
            }
        }
        long bytes = 0;
        for (LogEntry entry : out) {
            bytes += entry.sizeBytes();
        }
        for (long i = Math.max(fromIndex, unstableOffset); i < toIndex; i++) {
            LogEntry entry = unstableEntry(i);
            bytes += entry.sizeBytes();
            if (!out.isEmpty() && bytes > maxBytes) {
                break;
            }
            out.add(entry);
        }
        return out;
    }

    @Override
    public SnapshotMetadata snapshot() {
        return snapshot;
    }

    long committed() {
        return committed;
    }

    long applied() {
        return applied;
    }

    /**
     * Appends entries that follow on from the log, truncating any conflicting suffix first: an existing entry
     * at the first new index and everything after it is replaced (§5.3).
     */
    void append(List<LogEntry> entries) {
        if (entries.isEmpty()) {
            return;
        }
        long first = entries.get(0).index();
        Invariants.check(first > committed, "truncating committed entry " + first + " (commit " + committed + ")");
        Invariants.check(first <= lastIndex() + 1, "append at " + first + " leaves a gap after " + lastIndex());
        if (first < unstableOffset) {
            unstable.clear();
            unstableOffset = first;
        } else {
            truncateUnstableFrom(first);
        }
        nextToPersist = Math.min(nextToPersist, first);
        unstable.addAll(entries);
    }

    private void truncateUnstableFrom(long index) {
        int keep = (int) (index - unstableOffset);
        unstable.subList(keep, unstable.size()).clear();
    }

    boolean hasUnpersisted() {
        return nextToPersist <= lastIndex() || snapshotToPersist != null;
    }

    /** Entries not yet handed out for persistence; marks them handed out. */
    List<LogEntry> takeUnpersisted() {
        if (nextToPersist > lastIndex()) {
            return List.of();
        }
        List<LogEntry> out = List.copyOf(
                unstable.subList((int) (nextToPersist - unstableOffset), unstable.size()));
        nextToPersist = lastIndex() + 1;
        return out;
    }

    /**
     * The runtime made entries up to {@code index} durable, the last of them with {@code term}. If the log has
     * since replaced that entry, a later persist covers the replacement and this report changes nothing.
     */
    void stableTo(long index, long term) {
        if (index < unstableOffset || index > lastIndex() || unstableEntry(index).term() != term) {
            return;
        }
        unstable.subList(0, (int) (index + 1 - unstableOffset)).clear();
        unstableOffset = index + 1;
        nextToPersist = Math.max(nextToPersist, unstableOffset);
    }

    /** Raises the commit index; it never decreases and never passes the last index. */
    boolean commitTo(long index) {
        if (index <= committed) {
            return false;
        }
        Invariants.check(index <= lastIndex(), "commit " + index + " beyond last index " + lastIndex());
        committed = index;
        return true;
    }

    boolean hasEntriesToApply() {
        return applying < Math.min(committed, durableLastIndex());
    }

    /**
     * Committed entries not yet handed out to apply, up to about {@code maxBytes}. Only durable entries are
     * applied, so a restart never finds the state machine ahead of its own log.
     */
    List<LogEntry> takeEntriesToApply(long maxBytes) {
        long upTo = Math.min(committed, durableLastIndex());
        if (applying >= upTo) {
            return List.of();
        }
        List<LogEntry> out = entries(applying + 1, upTo + 1, maxBytes);
        applying = out.get(out.size() - 1).index();
        return out;
    }

    void appliedTo(long index) {
        Invariants.check(index <= applying,
                "applied " + index + " reported, but only " + applying + " was handed out to apply");
        if (index > applied) {
            applied = index;
        }
    }

    // ---------------------------------------------------------------- snapshots (§7)

    /**
     * Makes {@code newSnapshot}, which the state machine has already taken at an applied index, the log's base:
     * the covered prefix is no longer read. Every covered entry is durable (only durable entries are applied),
     * so the unstable tail is untouched.
     */
    void compact(SnapshotMetadata newSnapshot) {
        long index = newSnapshot.lastIncludedIndex();
        Invariants.check(index > snapshot.lastIncludedIndex() && index <= applied,
                "compaction to " + index + " outside " + (snapshot.lastIncludedIndex() + 1) + ".." + applied);
        Invariants.check(index < unstableOffset, "compaction to " + index + " covers the unstable entry at "
                + unstableOffset);
        snapshot = newSnapshot;
        snapshotToPersist = newSnapshot;
    }

    /**
     * Installs a leader's snapshot that goes beyond the commit index (§7): if the log holds the snapshot's last
     * entry with the same term, the entries after it are kept; otherwise the whole log is discarded. The commit
     * index becomes the snapshot's index and the state machine must load it.
     */
    void installSnapshot(SnapshotMetadata newSnapshot) {
        long index = newSnapshot.lastIncludedIndex();
        Invariants.check(index > committed, "installing snapshot at " + index + " at or below commit " + committed);
        if (matchesTerm(index, newSnapshot.lastIncludedTerm())) {
            dropUnstableThrough(index);
        } else {
            unstable.clear();
            unstableOffset = index + 1;
            nextToPersist = index + 1;
        }
        snapshot = newSnapshot;
        snapshotToPersist = newSnapshot;
        snapshotToRestore = newSnapshot;
        committed = index;
        applying = index;
    }

    /** Unstable entries the snapshot covers go: the durable log's base will cover them once it is persisted. */
    private void dropUnstableThrough(long index) {
        if (index < unstableOffset) {
            return;
        }
        unstable.subList(0, (int) (index + 1 - unstableOffset)).clear();
        unstableOffset = index + 1;
        nextToPersist = Math.max(nextToPersist, unstableOffset);
    }

    /** The snapshot to hand out in the next persist instruction, or null; marks it handed out. */
    SnapshotMetadata takeSnapshotToPersist() {
        SnapshotMetadata out = snapshotToPersist;
        snapshotToPersist = null;
        return out;
    }

    boolean hasSnapshotToRestore() {
        return snapshotToRestore != null;
    }

    /** The snapshot the state machine must load before the next entries to apply, or null; marks it handed out. */
    SnapshotMetadata takeSnapshotToRestore() {
        SnapshotMetadata out = snapshotToRestore;
        snapshotToRestore = null;
        return out;
    }

    /** The first index of the run of entries with the same term as {@code index}, not looking below {@code floor}. */
    long firstIndexOfTermAt(long index, long floor) {
        long term = term(index);
        long first = index;
        while (first - 1 >= floor && first - 1 >= firstIndex() && term(first - 1) == term) {
            first--;
        }
        return first;
    }

    /** The last index at or below {@code atMost} whose term is {@code term}, or -1 if there is none. */
    long lastIndexOfTerm(long term, long atMost) {
        for (long i = Math.min(atMost, lastIndex()); i >= firstIndex(); i--) {
            long t = term(i);
            if (t == term) {
                return i;
            }
            if (t < term) {
                return -1;
            }
        }
        return -1;
    }

    private LogEntry unstableEntry(long index) {
        if (index < unstableOffset || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside " + firstIndex() + ".." + lastIndex());
        }
        return unstable.get((int) (index - unstableOffset));
    }
}
