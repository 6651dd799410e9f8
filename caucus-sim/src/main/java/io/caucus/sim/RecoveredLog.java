package io.caucus.sim;

import io.caucus.core.LogEntry;
import io.caucus.core.LogView;
import io.caucus.core.SnapshotMetadata;
import java.util.List;

/**
 * What recovery found of one group's log in a crashed process's shared WAL: its base and the term of each entry,
 * kept so that the checkers can ask which entries a down replica holds durably (commitment by a quorum). The
 * entries' contents are not kept: the checkers read those only of running replicas.
 */
record RecoveredLog(SnapshotMetadata snapshot, long firstIndex, long[] terms) implements LogView {

    static RecoveredLog of(LogView log) {
        long first = log.firstIndex();
        long last = log.lastIndex();
        long[] terms = new long[(int) (last - first + 1)];
        for (long index = first; index <= last; index++) {
            terms[(int) (index - first)] = log.term(index);
        }
        return new RecoveredLog(log.snapshot(), first, terms);
    }

    @Override
    public long lastIndex() {
        return firstIndex + terms.length - 1;
    }

    @Override
    public long term(long index) {
        if (index == firstIndex - 1) {
            return snapshot.lastIncludedTerm();
        }
        if (index < firstIndex || index > lastIndex()) {
            throw new IndexOutOfBoundsException("no term for " + index + " (log " + firstIndex + ".." + lastIndex()
                    + ")");
        }
        return terms[(int) (index - firstIndex)];
    }

    @Override
    public List<LogEntry> entries(long fromIndex, long toIndex, long maxBytes) {
        throw new UnsupportedOperationException("the entries of a crashed process's log are read when it restarts");
    }
}
