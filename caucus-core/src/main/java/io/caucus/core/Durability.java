package io.caucus.core;

import io.caucus.core.message.RaftMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * What is handed out for persistence and not yet reported durable, and the messages that wait for it.
 * A message that waits is attached to the newest persist instruction at the moment it was produced, so it
 * leaves only when everything it depends on is durable; with nothing pending it leaves at once.
 */
final class Durability {

    private record Pending(long sequence, long lastIndex, long lastTerm, List<RaftMessage> messages) {
    }

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private List<RaftMessage> awaiting = new ArrayList<>();
    private HardState handedOut;
    private long lastSequence;

    /** @param durable the hard state already durable when the node starts */
    Durability(HardState durable) {
        this.handedOut = durable;
    }

    /** Holds {@code message} until everything handed out for persistence so far (or in the next instruction) is durable. */
    void sendWhenDurable(RaftMessage message) {
        awaiting.add(message);
    }

    boolean hardStateChanged(HardState current) {
        return current.term() != handedOut.term() || !Objects.equals(current.votedFor(), handedOut.votedFor());
    }

    boolean hasMessagesToRelease() {
        return !awaiting.isEmpty();
    }

    /**
     * The next instruction, or null if nothing needs to become durable. A change of commit index alone does
     * not call for one: it rides along with the next instruction (the durable commit index is a lower bound).
     */
    Persist nextPersist(RaftLog log, HardState current, List<RaftMessage> outbox) {
        SnapshotMetadata snapshot = log.takeSnapshotToPersist();
        List<LogEntry> entries = log.takeUnpersisted();
        if (snapshot == null && entries.isEmpty() && !hardStateChanged(current)) {
            if (!awaiting.isEmpty()) {
                if (pending.isEmpty()) {
                    outbox.addAll(awaiting);
                } else {
                    pending.peekLast().messages().addAll(awaiting);
                }
                awaiting = new ArrayList<>();
            }
            return null;
        }
        HardState changed = current.equals(handedOut) ? null : current;
        handedOut = current;
        LogEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
        pending.addLast(new Pending(++lastSequence, last == null ? 0 : last.index(),
                last == null ? 0 : last.term(), awaiting));
        awaiting = new ArrayList<>();
        return new Persist(lastSequence, changed, entries, snapshot);
    }

    void persisted(long sequence, RaftLog log, List<RaftMessage> outbox) {
        Invariants.check(sequence <= lastSequence,
                "persisted(" + sequence + ") reported, but only " + lastSequence + " was handed out");
        while (!pending.isEmpty() && pending.peekFirst().sequence() <= sequence) {
            Pending done = pending.pollFirst();
            if (done.lastIndex() > 0) {
                log.stableTo(done.lastIndex(), done.lastTerm());
            }
            outbox.addAll(done.messages());
        }
    }
}
