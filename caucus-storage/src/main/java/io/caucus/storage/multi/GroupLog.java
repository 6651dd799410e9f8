package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.CorruptStorageException;
import io.caucus.storage.EntryCache;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One Raft group's log inside a {@link SharedWal}: the same contract as the single-group
 * {@link io.caucus.storage.DurableLog} ({@link #write(Persist)} returns a ticket, the shared {@link #sync()}
 * makes it durable), so a {@code RaftNode} runs on it unchanged. Its entries live in the shared segments; this
 * object holds where each one is, the group's snapshot base and hard state, and the most recent entries themselves
 * (an {@link EntryCache} within the WAL's {@link CacheBudget}), since a leader applies and replicates what it has
 * just written, and a follower applies it: without them every entry was read back from the segment under the
 * host's lock, one read per entry.
 *
 * <p>Threading: the thread that owns the {@link SharedWal} makes every call.
 */
public final class GroupLog implements LogView {

    /** Where an entry's frame is, and its term so that {@link #term(long)} needs no read. */
    record Location(WalSegment segment, long offset, int frameBytes, long term) {
    }

    private final SharedWal wal;
    private final long group;
    private final TreeMap<Long, Location> entries = new TreeMap<>();
    /**
     * How many held entries each segment holds. Entries are in index order across segments except for copies
     * ({@link GroupRecordType#ENTRY_COPY}), so the oldest segment needed is this map's first key, not the first
     * entry's segment.
     */
    private final TreeMap<Long, Integer> heldPerSegment = new TreeMap<>();
    /** Invariant: every entry it holds is the entry {@link #entries} locates, index for index. */
    private final EntryCache recent;
    private ClusterConfiguration initialConfiguration;
    private SnapshotMetadata base;
    private HardState hardState = HardState.INITIAL;
    private boolean removed;

    GroupLog(SharedWal wal, long group) {
        this.wal = wal;
        this.group = group;
        this.recent = new EntryCache(wal.cacheBudget().maxBytes());
    }

    public long group() {
        return group;
    }

    /**
     * Carries out one persist instruction: the snapshot base, the entries (truncating any held entry at or after
     * the first one's index), the hard state, written together in one batch. Not durable until {@link #sync()}.
     *
     * @return the ticket to compare with {@link #sync()}'s result
     */
    public long write(Persist persist) {
        checkNotRemoved();
        List<GroupRecord> batch = new ArrayList<>();
        GroupRecord snapshot = persist.snapshot() == null ? null : snapshotRecord(persist.snapshot());
        if (snapshot != null) {
            batch.add(snapshot);
        }
        long baseIndex = snapshot == null ? baseIndex() : snapshot.index();
        long lastIndex = snapshot == null || snapshot.type() == GroupRecordType.SNAPSHOT_BASE
                ? Math.max(lastIndex(), baseIndex) : snapshot.index();
        if (!persist.entries().isEmpty()) {
            long first = persist.entries().get(0).index();
            checkAppendable(persist.entries(), baseIndex, lastIndex);
            if (first <= lastIndex) {
                checkTruncation(first);
            }
            checkTerms(persist.entries(), first - 1 == baseIndex && snapshot != null ? snapshot.term()
                    : term(first - 1));
            persist.entries().forEach(entry -> batch.add(GroupRecord.of(group, entry)));
            lastIndex = persist.entries().get(persist.entries().size() - 1).index();
        }
        if (persist.hardState() != null) {
            checkHardState(persist.hardState(), lastIndex);
            batch.add(GroupRecord.of(group, persist.hardState()));
        }
        long ticket = wal.write(batch);
        if (!persist.entries().isEmpty()) {
            recent.truncateFrom(persist.entries().get(0).index());
            persist.entries().forEach(recent::append);
            cacheChanged();
        }
        return ticket;
    }

    /** Appends entries, first removing every held entry at or after the first one's index (Raft paper §5.3). */
    public long append(List<LogEntry> newEntries) {
        return write(new Persist(0, null, newEntries));
    }

    public long writeHardState(HardState state) {
        return write(new Persist(0, state, List.of()));
    }

    /** Removes every entry at or after {@code fromIndex}: a suffix that conflicts with the leader's (§5.3). */
    public long truncateSuffix(long fromIndex) {
        checkNotRemoved();
        if (fromIndex < firstIndex()) {
            throw new IllegalArgumentException("group " + group + " cannot truncate from " + fromIndex
                    + ": entries before " + firstIndex() + " are covered by a snapshot");
        }
        if (fromIndex > lastIndex()) {
            return wal.writtenTicket();
        }
        checkTruncation(fromIndex);
        return wal.write(List.of(GroupRecord.truncate(group, fromIndex)));
    }

    /**
     * Makes {@code covering} the log's base (Raft paper §7): the prefix it covers is dropped, and later entries
     * stay only if the log holds its last included entry with the same term. A snapshot older than the current
     * base changes nothing.
     */
    public long installSnapshot(SnapshotMetadata covering) {
        checkNotRemoved();
        GroupRecord record = snapshotRecord(covering);
        return record == null ? wal.writtenTicket() : wal.write(List.of(record));
    }

    /** Makes everything written to any group of the shared WAL durable; see {@link SharedWal#sync()}. */
    public long sync() {
        return wal.sync();
    }

    public HardState hardState() {
        return hardState;
    }

    @Override
    public long firstIndex() {
        return baseIndex() + 1;
    }

    @Override
    public long lastIndex() {
        return entries.isEmpty() ? baseIndex() : entries.lastKey();
    }

    @Override
    public long term(long index) {
        long baseIndex = firstIndex() - 1;
        if (index == baseIndex) {
            return base == null ? 0 : base.lastIncludedTerm();
        }
        if (index < baseIndex || index > lastIndex()) {
            throw new IndexOutOfBoundsException("group " + group + " holds no term for index " + index
                    + " (log " + firstIndex() + ".." + lastIndex() + ")");
        }
        return entries.get(index).term();
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex < firstIndex() || toIndex > lastIndex() + 1 || fromIndex > toIndex) {
            throw new IndexOutOfBoundsException("group " + group + " has no entries " + fromIndex + ".." + toIndex
                    + " (log " + firstIndex() + ".." + lastIndex() + ")");
        }
        List<LogEntry> result = new ArrayList<>();
        long bytes = 0;
        for (long index = fromIndex; index < toIndex; index++) {
            LogEntry entry = entry(index);
            bytes += entry.sizeBytes();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(entry);
        }
        return result;
    }

    /** A held entry, from memory if it is recent, else read back from its segment. */
    private LogEntry entry(long index) {
        LogEntry cached = recent.get(index);
        return cached != null ? cached : wal.readEntry(group, entries.get(index));
    }

    @Override
    public SnapshotMetadata snapshot() {
        return base != null ? base : SnapshotMetadata.empty(initialConfiguration);
    }

    void setInitialConfiguration(ClusterConfiguration configuration) {
        this.initialConfiguration = configuration;
    }

    /** After {@link SharedWal#removeGroup}: this object takes no more writes and holds no entries. */
    void markRemoved() {
        removed = true;
        release(entries);
        recent.clear();
        wal.cacheBudget().forget(this);
    }

    /** The WAL's budget took this group's cache for more recently written groups. */
    void dropCache() {
        recent.clear();
    }

    private void cacheChanged() {
        wal.cacheBudget().changed(this, recent.bytes());
    }

    /** The oldest segment holding an entry of this group, or Long.MAX_VALUE. */
    long oldestSegmentNeeded() {
        return heldPerSegment.isEmpty() ? Long.MAX_VALUE : heldPerSegment.firstKey();
    }

    /** Adds a copy of every entry held in {@code segment} to {@code into}, for rewriting. */
    void copiesOfEntriesIn(WalSegment segment, List<GroupRecord> into) {
        for (var held : entries.entrySet()) {
            if (held.getValue().segment() == segment) {
                into.add(GroupRecord.copy(group, entry(held.getKey())));
            }
        }
    }

    /** The records that carry this group's state into a new segment, so older segments can go. */
    void checkpoint(List<GroupRecord> into) {
        if (base != null) {
            into.add(GroupRecord.snapshot(GroupRecordType.SNAPSHOT_BASE, group, base));
        }
        if (!hardState.equals(HardState.INITIAL)) {
            into.add(GroupRecord.of(group, hardState));
        }
    }

    boolean isEmpty() {
        return base == null && entries.isEmpty() && hardState.equals(HardState.INITIAL);
    }

    /**
     * Applies a record written at {@code location}, both when it is written and when recovery replays it. Replay
     * may start at any segment (older ones deleted), so an entry may arrive after a gap that a later
     * {@link GroupRecordType#SNAPSHOT_BASE} closes; {@link #gapProblem()} checks the end result.
     */
    void apply(GroupRecord record, Location location) {
        switch (record.type()) {
            case COMMAND, NO_OP, CONFIGURATION -> {
                if (record.index() > firstIndex() - 1) {
                    release(entries.tailMap(record.index(), true));
                    hold(record.index(), location);
                }
            }
            case ENTRY_COPY -> {
                // Replaces only where the entry is read from (§5.3 truncation is the entry records' business);
                // a copy of an entry since compacted away changes nothing.
                Location held = entries.get(record.index());
                if (record.index() > firstIndex() - 1 && (held == null || held.term() == record.term())) {
                    hold(record.index(), location);
                }
            }
            case TRUNCATE -> {
                release(entries.tailMap(record.index(), true));
                recent.truncateFrom(record.index());
                cacheChanged();
            }
            case HARD_STATE -> hardState = record.toHardState();
            case SNAPSHOT_BASE -> {
                release(entries.headMap(record.index(), true));
                recent.dropThrough(record.index());
                cacheChanged();
                base = record.toSnapshot();
            }
            case SNAPSHOT_RESET -> {
                release(entries);
                recent.clear();
                cacheChanged();
                base = record.toSnapshot();
            }
            case SEGMENT_HEADER, GROUP_REMOVED -> throw new IllegalStateException(record.type()
                    + " is the shared WAL's to apply");
        }
    }

    private void hold(long index, Location location) {
        Location replaced = entries.put(index, location);
        if (replaced != null) {
            unreference(replaced);
        }
        heldPerSegment.merge(location.segment().sequence, 1, Integer::sum);
        location.segment().liveBytes += location.frameBytes();
    }

    /** Drops the entries of {@code view} (a view of {@link #entries}). */
    private void release(NavigableMap<Long, Location> view) {
        view.values().forEach(this::unreference);
        view.clear();
    }

    private void unreference(Location location) {
        heldPerSegment.merge(location.segment().sequence, -1, (count, minus) -> count + minus == 0 ? null
                : count + minus);
        location.segment().liveBytes -= location.frameBytes();
    }

    /**
     * Why an entry record replayed at {@code at} cannot follow what the group holds, or null if it can: its term
     * may not be lower than the entry's before it (Raft paper §5.3), whenever that one is held or is the base. A
     * predecessor not held yet (replay started after it, or a copy of it comes later) is left to
     * {@link #checkRecovered}.
     */
    String replayProblem(GroupRecord record) {
        long previous = record.index() - 1;
        boolean previousKnown = previous == baseIndex() || entries.containsKey(previous);
        if (!record.type().isEntry() || !previousKnown) {
            return null;
        }
        long previousTerm = term(previous);
        return record.term() >= previousTerm ? null : "group " + group + " entry " + record.index() + " has term "
                + record.term() + ", lower than the term " + previousTerm + " of the entry before it";
    }

    /**
     * What recovery checks of the group once every segment is replayed, as the single-group log's recovery does:
     * its entries run without a gap from the base, their terms never decrease, starting from the base's (a snapshot
     * covers the entries before, §7), and the hard state's commit index is not beyond the last entry.
     *
     * @throws CorruptStorageException naming the segment and offset of the offending entry, or {@code directory}
     */
    void checkRecovered(Path directory) {
        long expected = firstIndex();
        long previousTerm = term(expected - 1);
        for (var held : entries.entrySet()) {
            Location location = held.getValue();
            if (held.getKey() != expected) {
                throw new CorruptStorageException(location.segment().path, location.offset(), "group " + group
                        + " lacks entry " + expected + " (base " + (firstIndex() - 1) + ", next held entry "
                        + held.getKey() + ")");
            }
            if (location.term() < previousTerm) {
                throw new CorruptStorageException(location.segment().path, location.offset(), "group " + group
                        + " entry " + expected + " has term " + location.term() + ", lower than the term "
                        + previousTerm + " of entry " + (expected - 1) + " before it"
                        + (expected == firstIndex() ? ", which the snapshot base covers" : ""));
            }
            previousTerm = location.term();
            expected++;
        }
        if (hardState.commitIndex() > lastIndex()) {
            throw new CorruptStorageException(directory, 0, "group " + group + " hard state's commit index "
                    + hardState.commitIndex() + " is beyond its last entry " + lastIndex()
                    + ": committed entries are missing");
        }
    }

    private void checkNotRemoved() {
        if (removed) {
            throw new IllegalStateException("group " + group + " was removed from the shared WAL; nothing of it"
                    + " was written");
        }
    }

    /** The record that makes {@code covering} the base, or null if the log's base is already as new. */
    private GroupRecord snapshotRecord(SnapshotMetadata covering) {
        if (covering.lastIncludedIndex() <= baseIndex()) {
            return null;
        }
        boolean matches = covering.lastIncludedIndex() <= lastIndex()
                && term(covering.lastIncludedIndex()) == covering.lastIncludedTerm();
        return GroupRecord.snapshot(matches ? GroupRecordType.SNAPSHOT_BASE : GroupRecordType.SNAPSHOT_RESET,
                group, covering);
    }

    private long baseIndex() {
        return base == null ? 0 : base.lastIncludedIndex();
    }

    /** Terms in a log never decrease (Raft paper §5.3: a leader appends in its own term, which only grows). */
    private void checkTerms(List<LogEntry> newEntries, long previousTerm) {
        for (LogEntry entry : newEntries) {
            if (entry.term() < previousTerm) {
                throw new IllegalArgumentException("group " + group + " entry " + entry.index() + " has term "
                        + entry.term() + ", lower than the term " + previousTerm + " of the entry before it: terms"
                        + " in a log never decrease; nothing of this batch was written");
            }
            previousTerm = entry.term();
        }
    }

    /** A committed entry is never removed (Raft paper §5.3, Log Matching and Leader Completeness). */
    private void checkTruncation(long fromIndex) {
        if (fromIndex <= hardState.commitIndex()) {
            throw new IllegalArgumentException("group " + group + " truncating from " + fromIndex + " would remove"
                    + " committed entries (commit index " + hardState.commitIndex() + "); nothing was written");
        }
    }

    /** A server's term never decreases (Figure 2), and it cannot know entries committed that it does not hold. */
    private void checkHardState(HardState state, long lastIndexAfter) {
        if (state.term() < hardState.term()) {
            throw new IllegalArgumentException("group " + group + " hard state term " + state.term()
                    + " is lower than the current " + hardState.term() + ": a server's term never decreases"
                    + " (Raft paper Figure 2); nothing of this batch was written");
        }
        if (state.commitIndex() > lastIndexAfter) {
            throw new IllegalArgumentException("group " + group + " commit index " + state.commitIndex()
                    + " is beyond the last entry " + lastIndexAfter + "; nothing of this batch was written");
        }
    }

    private void checkAppendable(List<LogEntry> newEntries, long baseIndex, long lastIndex) {
        long first = newEntries.get(0).index();
        if (first <= baseIndex || first > lastIndex + 1) {
            throw new IllegalArgumentException("group " + group + " cannot take entry " + first + " (log "
                    + (baseIndex + 1) + ".." + lastIndex + "): it would leave a gap or rewrite the snapshot");
        }
        for (int i = 1; i < newEntries.size(); i++) {
            if (newEntries.get(i).index() != first + i) {
                throw new IllegalArgumentException("group " + group + " entries are not consecutive: "
                        + newEntries.get(i).index() + " follows " + (first + i - 1));
            }
        }
    }
}
