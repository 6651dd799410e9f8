package io.caucus.storage.multi;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One budget for the entry caches of all the groups in a {@link SharedWal}: a process may host thousands of
 * groups, so a per-group budget alone could hold gigabytes. While the caches together hold more than the budget, the
 * group written longest ago loses its cache (its entries are read back from the segments from then on, as any
 * entry past the cache is): a group being written now is the one whose entries are about to be applied and
 * replicated. Owner thread only, as the WAL.
 */
final class CacheBudget {

    private final long maxBytes;
    /** Each group's cached bytes, the group written longest ago first. */
    private final LinkedHashMap<GroupLog, Long> held = new LinkedHashMap<>(16, 0.75f, true);
    private long bytes;

    CacheBudget(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** The most one group's cache may hold: the whole budget, when no other group holds any of it. */
    long maxBytes() {
        return maxBytes;
    }

    /**
     * Records that {@code log}'s cache now holds {@code cachedBytes}; evicts older groups' caches if over budget. Only
     * groups holding something are tracked, so recovery and thousands of idle groups add nothing here.
     */
    void changed(GroupLog log, long cachedBytes) {
        if (cachedBytes == 0) {
            forget(log);
            return;
        }
        Long before = held.put(log, cachedBytes);
        bytes += cachedBytes - (before == null ? 0 : before);
        Iterator<Map.Entry<GroupLog, Long>> oldestFirst = held.entrySet().iterator();
        while (bytes > maxBytes && oldestFirst.hasNext()) {
            Map.Entry<GroupLog, Long> oldest = oldestFirst.next();
            if (oldest.getKey() == log) {
                break; // the newest; its own cache never exceeds the budget
            }
            bytes -= oldest.getValue();
            oldest.getKey().dropCache();
            oldestFirst.remove();
        }
    }

    void forget(GroupLog log) {
        Long before = held.remove(log);
        if (before != null) {
            bytes -= before;
        }
    }

    long bytes() {
        return bytes;
    }
}
