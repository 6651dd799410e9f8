package io.caucus.storage;

import java.util.ArrayList;
import java.util.List;

/**
 * Which segments hold bytes not yet forced, how far each was written, and the tickets written and made durable:
 * what {@link DurableLog#sync()} needs to know which files to force, and the only state the owner thread shares
 * with a thread that syncs while it writes. Every method holds this object's monitor briefly and never across
 * I/O, so a sync forcing a file never blocks the owner's next write.
 *
 * <p>Why this is enough for a concurrent sync to be correct: the owner records a write here only after its
 * bytes are in the file, so whatever a {@link #plan()} sees is covered by the forces it lists; a segment leaves
 * the unsynced list only once a completed force covered everything recorded for it; and the owner deletes or
 * closes a segment only when it is fully synced and no plan in progress names it.
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
            segment.forcesInFlight++;
        }
        return new Plan(writtenTicket, targets);
    }

    /** A plan whose forces failed: its segments are no longer being forced. */
    synchronized void abandoned(Plan plan) {
        for (Target target : plan.targets()) {
            target.segment().forcesInFlight--;
        }
    }

    /** Every target of {@code plan} was forced: returns the highest ticket now durable. */
    synchronized long completed(Plan plan) {
        for (Target target : plan.targets()) {
            Segment segment = target.segment();
            segment.forcesInFlight--;
            segment.syncedBytes = Math.max(segment.syncedBytes, target.bytes());
            if (segment.syncedBytes >= segment.writtenBytes) {
                unsynced.remove(segment);
            }
        }
        durableTicket = Math.max(durableTicket, plan.ticket());
        return durableTicket;
    }

    /**
     * Whether the owner may close and delete {@code segment}: it is durable in full, the header of the segment
     * after it is durable, and no sync is forcing it. (A sync that planned before a rollover may still be
     * about to force a segment that the owner has since forced itself; closing it then would fail that sync.)
     */
    synchronized boolean mayDelete(Segment segment, Segment next) {
        return segment.syncedBytes >= segment.size && next.syncedBytes >= next.headerBytes
                && segment.forcesInFlight == 0;
    }

    synchronized long durableTicket() {
        return durableTicket;
    }

    synchronized long writtenTicket() {
        return writtenTicket;
    }
}
