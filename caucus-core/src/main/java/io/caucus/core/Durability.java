package io.caucus.core;

import io.caucus.core.message.AppendEntriesResponse;
import io.caucus.core.message.RaftMessage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
                    release(awaiting, outbox);
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
        List<RaftMessage> released = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().sequence() <= sequence) {
            Pending done = pending.pollFirst();
            if (done.lastIndex() > 0) {
                log.stableTo(done.lastIndex(), done.lastTerm());
            }
            released.addAll(done.messages());
        }
        release(released, outbox);
    }

    /**
     * Adds {@code messages} to the outbox, answering several AppendEntries of one leader and term that became
     * durable together with a single acknowledgement, of the highest match index: it tells the leader everything
     * the others would (its match index only grows, and Log Matching makes agreement up to an index imply
     * agreement below it), so the others are as good as lost, which Raft tolerates (§5.3). Under load a
     * follower receives several AppendEntries per fsync; this halves the acknowledgements the leader handles.
     * The acknowledgement leaves where the last of them stood; every other message keeps its place.
     */
    private static void release(List<RaftMessage> messages, List<RaftMessage> outbox) {
        if (messages.isEmpty()) {
            return;
        }
        Map<AckKey, AppendEntriesResponse> highest = new HashMap<>();
        Map<AckKey, Integer> lastPosition = new HashMap<>();
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i) instanceof AppendEntriesResponse ack && ack.success()) {
                AckKey key = new AckKey(ack.to(), ack.term());
                highest.merge(key, ack, (kept, next) -> next.matchIndex() >= kept.matchIndex() ? next : kept);
                lastPosition.put(key, i);
            }
        }
        for (int i = 0; i < messages.size(); i++) {
            if (!(messages.get(i) instanceof AppendEntriesResponse ack && ack.success())) {
                outbox.add(messages.get(i));
                continue;
            }
            AckKey key = new AckKey(ack.to(), ack.term());
            if (lastPosition.get(key) == i) {
                outbox.add(highest.get(key));
            }
        }
    }

    private record AckKey(NodeId leader, long term) {
    }
}
