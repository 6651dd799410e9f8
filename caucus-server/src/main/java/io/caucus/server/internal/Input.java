package io.caucus.server.internal;

import io.caucus.core.NodeId;
import io.caucus.core.SnapshotMetadata;
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

    /** The snapshot thread asks what a snapshot as of applied index {@code index} records (term, configuration). */
    record SnapshotMetadataAt(long index, CompletableFuture<SnapshotMetadata> future) implements Input {
    }

    /** The snapshot thread committed {@code snapshot} to the store: compact the log to it (§7). */
    record Compact(SnapshotMetadata snapshot) implements Input {
    }

    /** The snapshot data could not be streamed to {@code follower}: tell the core, which goes back to probing. */
    record SnapshotFailed(NodeId follower) implements Input {
    }

    /** Finish the current turn and stop. */
    record Stop() implements Input {
        static final Stop INSTANCE = new Stop();
    }
}
