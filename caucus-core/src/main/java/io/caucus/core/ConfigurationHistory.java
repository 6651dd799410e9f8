package io.caucus.core;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The configuration in force at every index the log covers (Raft paper §6: a server uses the latest
 * configuration in its log, whether or not it is committed). A base configuration holds up to and including
 * {@code baseIndex} (the snapshot's, or the bootstrap configuration at index 0); each CONFIGURATION entry after
 * it takes effect at its own index.
 *
 * <p>Invariants: every key of {@code entries} is greater than {@code baseIndex}; the map mirrors exactly the
 * CONFIGURATION entries of the log after {@code baseIndex} (callers report every append, truncation and
 * compaction).
 */
final class ConfigurationHistory {

    private static final long SCAN_BATCH_BYTES = 1 << 20;

    private long baseIndex;
    private ClusterConfiguration base;
    private final TreeMap<Long, ClusterConfiguration> entries = new TreeMap<>();

    private ConfigurationHistory(long baseIndex, ClusterConfiguration base) {
        this.baseIndex = baseIndex;
        this.base = base;
    }

    /**
     * The history of a node starting from its durable log: the snapshot's configuration if the log has a
     * snapshot, else {@code bootstrap}, then every configuration entry of the log.
     */
    static ConfigurationHistory load(ClusterConfiguration bootstrap, LogView log) {
        SnapshotMetadata snapshot = log.snapshot();
        ConfigurationHistory history = snapshot.lastIncludedIndex() > 0
                ? new ConfigurationHistory(snapshot.lastIncludedIndex(), snapshot.configuration())
                : new ConfigurationHistory(0, bootstrap);
        long next = Math.max(log.firstIndex(), history.baseIndex + 1);
        while (next <= log.lastIndex()) {
            List<LogEntry> batch = log.entries(next, log.lastIndex() + 1, SCAN_BATCH_BYTES);
            history.appended(batch);
            next = batch.get(batch.size() - 1).index() + 1;
        }
        return history;
    }

    /** The configuration in force now: the last one in the log, else the base. */
    ClusterConfiguration current() {
        return entries.isEmpty() ? base : entries.lastEntry().getValue();
    }

    /** The index of the configuration in force now (the base index if the log holds no configuration entry). */
    long currentIndex() {
        return entries.isEmpty() ? baseIndex : entries.lastKey();
    }

    /**
     * The configuration in force at {@code index}: the last configuration entry at or before it, else the base.
     *
     * @throws IllegalArgumentException if {@code index} lies before the base, where the history is forgotten
     */
    ClusterConfiguration at(long index) {
        if (index < baseIndex) {
            throw new IllegalArgumentException("the configuration at index " + index
                    + " is no longer known: the history starts at the snapshot index " + baseIndex);
        }
        Map.Entry<Long, ClusterConfiguration> entry = entries.floorEntry(index);
        return entry == null ? base : entry.getValue();
    }

    /**
     * Entries were appended to the log, replacing any held at or after the first one's index (§5.3): configurations
     * from there on revert, and the new configuration entries take effect.
     */
    void appended(List<LogEntry> appended) {
        if (appended.isEmpty()) {
            return;
        }
        truncatedFrom(appended.get(0).index());
        for (LogEntry entry : appended) {
            if (entry.type() == EntryType.CONFIGURATION) {
                entries.put(entry.index(), ConfigurationCodec.decode(entry.payload()));
            }
        }
    }

    /** The log dropped every entry from {@code index} on: their configurations no longer hold. */
    void truncatedFrom(long index) {
        Invariants.check(index > baseIndex, "truncating the configuration history at " + index
                + ", at or before its base " + baseIndex);
        entries.tailMap(index, true).clear();
    }

    /**
     * The log's prefix up to {@code index} was replaced by a snapshot: the configuration in force there becomes
     * the base, and the history before it is forgotten.
     */
    void compactedTo(long index) {
        if (index <= baseIndex) {
            return;
        }
        ClusterConfiguration atIndex = at(index);
        entries.headMap(index, true).clear();
        base = atIndex;
        baseIndex = index;
    }

    /**
     * A snapshot from the leader became the log's base (§7). Entries after it that the log keeps keep their
     * configurations; the caller reports a discarded log with {@link #truncatedFrom}.
     */
    void snapshotInstalled(SnapshotMetadata snapshot) {
        entries.headMap(snapshot.lastIncludedIndex(), true).clear();
        base = snapshot.configuration();
        baseIndex = snapshot.lastIncludedIndex();
    }
}
