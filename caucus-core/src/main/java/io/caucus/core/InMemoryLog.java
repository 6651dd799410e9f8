package io.caucus.core;

import java.util.ArrayList;
import java.util.List;

/**
 * A log held in memory: the reference implementation of {@link LogView}, used by tests and by the
 * simulator as the durable half of its simulated disk. Not thread-safe. It sits in the main sources, though no
 * product code uses it, so that mutation testing (PIT mutates main classes only) checks it as it checks the core.
 */
public final class InMemoryLog implements LogView {

    private final List<LogEntry> entries = new ArrayList<>();
    private SnapshotMetadata snapshot;

    public InMemoryLog(ClusterConfiguration configuration) {
        this.snapshot = SnapshotMetadata.empty(configuration);
    }

    /** A copy: what a crash-and-restart reads back from a durable log. */
    public InMemoryLog copy() {
        InMemoryLog copy = new InMemoryLog(snapshot.configuration());
        copy.snapshot = snapshot;
        copy.entries.addAll(entries);
        return copy;
    }

    @Override
    public long firstIndex() {
        return snapshot.lastIncludedIndex() + 1;
    }

    @Override
    public long lastIndex() {
        return snapshot.lastIncludedIndex() + entries.size();
    }

    @Override
    public long term(long index) {
        if (index == snapshot.lastIncludedIndex()) {
            return snapshot.lastIncludedTerm();
        }
        return get(index).term();
    }

    public LogEntry get(long index) {
        if (index < firstIndex() || index > lastIndex()) {
            throw new IndexOutOfBoundsException("index " + index + " outside " + firstIndex() + ".." + lastIndex());
        }
        return entries.get((int) (index - firstIndex()));
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        if (fromIndex < firstIndex() || toIndex > lastIndex() + 1 || fromIndex > toIndex) {
            throw new IndexOutOfBoundsException("range " + fromIndex + ".." + toIndex + " outside "
                    + firstIndex() + ".." + (lastIndex() + 1));
        }
        List<LogEntry> out = new ArrayList<>();
        long bytes = 0;
        for (long i = fromIndex; i < toIndex; i++) {
            LogEntry entry = get(i);
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

    /**
     * Appends consecutive entries, first removing any held entry at or after the first new index (the
     * conflict truncation of Raft paper §5.3). The first new index may be at most lastIndex + 1.
     */
    public void append(List<LogEntry> newEntries) {
        if (newEntries.isEmpty()) {
            return;
        }
        long first = newEntries.get(0).index();
        if (first < firstIndex() || first > lastIndex() + 1) {
            throw new IllegalArgumentException("append at " + first + " would leave a gap or rewrite the snapshot;"
                    + " log holds " + firstIndex() + ".." + lastIndex());
        }
        truncateSuffix(first);
        long expected = first;
        for (LogEntry entry : newEntries) {
            if (entry.index() != expected++) {
                throw new IllegalArgumentException("entries are not consecutive at " + entry);
            }
            entries.add(entry);
        }
    }

    /** Removes every entry with index {@code >= fromIndex}. */
    public void truncateSuffix(long fromIndex) {
        while (lastIndex() >= Math.max(fromIndex, firstIndex())) {
            entries.remove(entries.size() - 1);
        }
    }

    /** Drops the prefix covered by {@code newSnapshot}, keeping later entries if they agree with it. */
    public void installSnapshot(SnapshotMetadata newSnapshot) {
        long index = newSnapshot.lastIncludedIndex();
        boolean keepSuffix = index <= lastIndex() && index >= firstIndex()
                && term(index) == newSnapshot.lastIncludedTerm();
        List<LogEntry> kept = keepSuffix
                ? new ArrayList<>(entries.subList((int) (index + 1 - firstIndex()), entries.size()))
                : List.of();
        entries.clear();
        entries.addAll(kept);
        snapshot = newSnapshot;
    }
}
