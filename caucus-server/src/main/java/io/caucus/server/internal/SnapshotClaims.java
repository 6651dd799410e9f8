package io.caucus.server.internal;

import io.caucus.core.SnapshotMetadata;
import io.caucus.storage.SnapshotStore;
import java.util.HashSet;
import java.util.Set;

/**
 * Keeps two writers from writing the same snapshot at once: a follower may take its own snapshot at index
 * {@code i} while receiving the leader's at the same index and term, and both would write the same temporary
 * file. A writer claims the snapshot first; a claim fails while another writer holds one at that index.
 * Thread-safe.
 */
final class SnapshotClaims {

    private final SnapshotStore store;
    private final Set<Long> claimed = new HashSet<>();

    SnapshotClaims(SnapshotStore store) {
        this.store = store;
    }

    SnapshotStore store() {
        return store;
    }

    /** True if the store holds a snapshot at {@code index} or later. */
    boolean covered(long index) {
        return store.latest().map(latest -> latest.lastIncludedIndex() >= index).orElse(false);
    }

    /** True if the store holds exactly this snapshot. */
    boolean holds(SnapshotMetadata snapshot) {
        return store.list().contains(snapshot);
    }

    /** Claims the right to write {@code snapshot}; false while another writer writes one at its index. */
    synchronized boolean claim(SnapshotMetadata snapshot) {
        return claimed.add(snapshot.lastIncludedIndex());
    }

    synchronized void release(SnapshotMetadata snapshot) {
        claimed.remove(snapshot.lastIncludedIndex());
    }
}
