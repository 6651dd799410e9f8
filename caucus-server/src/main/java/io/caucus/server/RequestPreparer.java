package io.caucus.server;

/**
 * The last change a command or a query gets before its place among the node's requests is fixed: called as the
 * node thread takes the request from its inbox into the Raft core. The key-value service stamps its clock here
 * (caucus-kv's {@code TimeStamper}): a time taken by the caller, before the request is queued, can be overtaken
 * by a later caller's, so the times would not follow the order the node decides (docs/runtime.md, "The write
 * path").
 *
 * <p><b>Order.</b> Called on the node thread only, one request at a time, in the order the node hands requests to
 * its core: in each turn every command (in the order they were queued) before every read, turn after turn. A
 * read that a leader takes is served no earlier than every command it took before the read (ReadIndex, thesis
 * §6.4, raised to the leader's last entry), and every command it takes after the read is appended after those;
 * so a preparer that stamps a non-decreasing value gives no request a smaller value than any request this node
 * ordered before it. A follower prepares its own reads (they are served at its read index with what it
 * stamped) and the commands submitted to it, which its core then refuses.
 *
 * <p><b>Contract.</b> It runs on the thread that sends heartbeats: keep it short, never block, never call the
 * node. It gets the node's own copy of the request and may change that array and return it. If it throws, only
 * that request fails, with the exception (never proposed or read, so the outcome is known); a command it makes
 * larger than {@link CaucusNode.Builder#maxCommandBytes} fails with {@link IllegalArgumentException}.
 */
public interface RequestPreparer {

    /** Hands every request to the core as it was submitted. */
    RequestPreparer NONE = new RequestPreparer() {
        @Override
        public byte[] command(byte[] command) {
            return command;
        }

        @Override
        public byte[] query(byte[] query) {
            return query;
        }
    };

    /** The command to propose in place of {@code command}, a submitted command the node is about to propose. */
    byte[] command(byte[] command);

    /** The query to serve in place of {@code query}, a read the node is about to ask a read index for. */
    byte[] query(byte[] query);
}
