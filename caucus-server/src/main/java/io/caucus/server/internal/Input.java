package io.caucus.server.internal;

import io.caucus.core.message.RaftMessage;
import java.util.concurrent.CompletableFuture;

/** What other threads hand to the node thread through its inbox. */
sealed interface Input {

    /** A message from a peer, posted by a transport event loop. */
    record Inbound(RaftMessage message) implements Input {
    }

    /** A client's command, not yet proposed. */
    record Proposal(byte[] command, CompletableFuture<byte[]> future, long deadlineNanos) implements Input {
    }

    /** A client's read, already registered under {@code requestId} in {@link PendingRequests}. */
    record Read(long requestId) implements Input {
    }

    /**
     * Work for the node thread on behalf of a caller (a membership change, a leadership transfer):
     * {@code action} runs on the node thread; {@code refuse} fails the caller if the node stops first.
     */
    record Call(Runnable action, java.util.function.Consumer<io.caucus.server.CaucusException> refuse)
            implements Input {
    }

    /** Something the node thread polls (durable or applied progress, a failure) changed: look again. */
    record Wakeup() implements Input {
        static final Wakeup INSTANCE = new Wakeup();
    }

    /** Finish the current turn and stop. */
    record Stop() implements Input {
        static final Stop INSTANCE = new Stop();
    }
}
