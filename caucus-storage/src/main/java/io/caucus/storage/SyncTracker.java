package io.caucus.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * The only state the owner thread shares with the syncing thread: which segments hold bytes not yet forced,
 * how far each was written, and the tickets written and made durable. Every method holds this object's
 * monitor briefly and never across I/O, so a sync forcing a file never blocks the owner's next write.
 *
 * <p>Why this is enough for a concurrent sync to be correct: the owner records a write here only after its
 * bytes are in the file, so whatever a {@link #plan()} sees is covered by the forces it lists; a segment leaves
 * the unsynced list only once a completed force covered everything recorded for it; and the owner deletes or
 * closes a segment only when it is fully synced, so no plan can still name it.
 */
final class SyncTracker {

    /** What one sync must force: each segment up to a byte count, after which {@code ticket} is durable. */
    record Plan(long ticket, List<Target> targets) {
    }

    record Target(Segment segment, long bytes) {
    }

    private final List<Segment> unsynced = new ArrayList<>();
    private long writtenTicket;
    private long durableTicket;

    SyncTracker(long initialTicket) {
        writtenTicket = initialTicket;
        durableTicket = initialTicket;
    }

    /** A segment whose {@code bytes} are all durable already (recovered, or forced by the owner). */
    synchronized void adopt(Segment segment, long bytes) {
        segment.writtenBytes = Math.max(segment.writtenBytes, bytes);
        segment.syncedBytes = Math.max(segment.syncedBytes, bytes);
        if (segment.syncedBytes >= segment.writtenBytes) {
            unsynced.remove(segment);
        }
    }

    /** The owner wrote {@code segment} up to {@code bytes}; everything through {@code ticket} is in files. */
    synchronized void written(Segment segment, long bytes, long ticket) {
        segment.writtenBytes = Math.max(segment.writtenBytes, bytes);
        if (segment.writtenBytes > segment.syncedBytes && !unsynced.contains(segment)) {
            unsynced.add(segment);
        }
        writtenTicket = Math.max(writtenTicket, ticket);
    }

    synchronized Plan plan() {
        List<Target> targets = new ArrayList<>(unsynced.size());
        for (Segment segment : unsynced) {
            targets.add(new Target(segment, segment.writtenBytes));
        }
        return new Plan(writtenTicket, targets);
    }

    /** Every target of {@code plan} was forced: returns the highest ticket now durable. */
    synchronized long completed(Plan plan) {
        for (Target target : plan.targets()) {
            Segment segment = target.segment();
            segment.syncedBytes = Math.max(segment.syncedBytes, target.bytes());
            if (segment.syncedBytes >= segment.writtenBytes) {
                unsynced.remove(segment);
            }
        }
        durableTicket = Math.max(durableTicket, plan.ticket());
        return durableTicket;
    }

    synchronized boolean isSyncedThrough(Segment segment, long bytes) {
        return segment.syncedBytes >= bytes;
    }

    synchronized long durableTicket() {
        return durableTicket;
    }

    synchronized long writtenTicket() {
        return writtenTicket;
    }
}
