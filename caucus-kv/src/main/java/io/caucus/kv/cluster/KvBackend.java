package io.caucus.kv.cluster;

import io.caucus.core.NodeStatus;
import io.caucus.kv.state.KvEntry;
import io.caucus.kv.state.KvQuery;
import java.util.concurrent.CompletableFuture;

/**
 * What the RESP front end needs from the cluster. Futures fail with an {@link io.caucus.server.CaucusException}
 * subtype that says whether a write's outcome is known.
 */
public interface KvBackend {

    /** Replicates an encoded {@link KvEntry} from whichever node leads (forwarding and retrying as needed). */
    CompletableFuture<byte[]> submit(byte[] command);

    /** A linearizable read of an encoded {@link KvQuery}, served by whichever node leads. */
    CompletableFuture<byte[]> read(byte[] query);

    /** Submits on this node only (a forwarded command): never forwards again, so forwarding cannot loop. */
    CompletableFuture<byte[]> submitHere(byte[] command);

    /** Reads on this node only (a forwarded read). */
    CompletableFuture<byte[]> readHere(byte[] query);

    /** This node's view, for INFO. */
    NodeStatus status();
}
