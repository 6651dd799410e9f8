package io.caucus.storage.multi;

import io.caucus.core.ClusterConfiguration;
import io.caucus.core.HardState;
import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.Persist;
import io.caucus.core.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * One Raft group's log inside a {@link SharedWal}: the same contract as the single-group
 * {@link io.caucus.storage.DurableLog} ({@link #write(Persist)} returns a ticket, the shared {@link #sync()}
 * makes it durable), so a {@code RaftNode} runs on it unchanged. Its entries live in the shared segments; this
 * object holds where each one is, the group's snapshot base and hard state.
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
    private ClusterConfiguration initialConfiguration;
    private SnapshotMetadata base;
    private HardState hardState = HardState.INITIAL;
    private boolean removed;

    GroupLog(SharedWal wal, long group) {
        this.wal = wal;
        this.group = group;
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
        if (!persist.entries().isEmpty()) {
            long baseIndex = snapshot == null ? baseIndex() : snapshot.index();
            long lastIndex = snapshot == null || snapshot.type() == GroupRecordType.SNAPSHOT_BASE
                    ? lastIndex() : snapshot.index();
            checkAppendable(persist.entries(), baseIndex, lastIndex);
            persist.entries().forEach(entry -> batch.add(GroupRecord.of(group, entry)));
        }
        if (persist.hardState() != null) {
            batch.add(GroupRecord.of(group, persist.hardState()));
        }
        return wal.write(batch);
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
        for (Location location : entries.subMap(fromIndex, toIndex).values()) {
            LogEntry entry = wal.readEntry(group, location);
            bytes += entry.sizeBytes();
            if (!result.isEmpty() && bytes > maxBytes) {
                break;
            }
            result.add(entry);
        }
        return result;
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
    }

    /** The oldest segment holding an entry of this group, or Long.MAX_VALUE. */
    long oldestSegmentNeeded() {
        return heldPerSegment.isEmpty() ? Long.MAX_VALUE : heldPerSegment.firstKey();
    }

    /** Adds a copy of every entry held in {@code segment} to {@code into}, for rewriting. */
    void copiesOfEntriesIn(WalSegment segment, List<GroupRecord> into) {
        for (Location location : entries.values()) {
            if (location.segment() == segment) {
                into.add(GroupRecord.copy(group, wal.readEntry(group, location)));
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
            case TRUNCATE -> release(entries.tailMap(record.index(), true));
            case HARD_STATE -> hardState = record.toHardState();
            case SNAPSHOT_BASE -> {
                release(entries.headMap(record.index(), true));
                base = record.toSnapshot();
            }
            case SNAPSHOT_RESET -> {
                release(entries);
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

    /** Why the held entries do not run without a gap from the base, or null if they do. */
    String gapProblem() {
        long expected = firstIndex();
        for (long index : entries.keySet()) {
            if (index != expected) {
                return "group " + group + " lacks entry " + expected + " (base " + (firstIndex() - 1)
                        + ", next held entry " + index + ")";
            }
            expected++;
        }
        return null;
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
