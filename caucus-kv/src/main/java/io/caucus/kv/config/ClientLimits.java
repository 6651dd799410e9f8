package io.caucus.kv.config;

/**
 * Bounds on what one client of the Redis port can make a node hold or wait for (docs/operations.md, "The
 * configuration file"; docs/security.md). A client that trips the request limits gets a protocol error and is disconnected; the
 * pipeline limit is back-pressure (the node stops reading from that connection), not an error, and so are replies
 * the client does not read: the node stops reading and starting its commands while the socket's write buffer is
 * full, and closes the connection only past {@code maxClientOutputBytes}.
 *
 * @param maxBulkBytes            largest bulk string (one argument), refused at its header before any of it is
 *                                buffered ({@code ERR Protocol error: invalid bulk length}, as Redis's
 *                                proto-max-bulk-len)
 * @param maxArrayElements        most arguments in one command, refused at the array header ({@code ERR Protocol
 *                                error: invalid multibulk length})
 * @param maxRequestBytes         most bytes one command may take on the wire, headers included, refused at the
 *                                first header that would pass it; at least {@code maxBulkBytes}
 * @param maxPipelineCommands     commands of one connection read and not yet answered before the node stops
 *                                reading from it until half of them are answered
 * @param maxClientConnections    open connections to the Redis port; one more is answered {@code ERR max number
 *                                of clients reached} and closed, as Redis's maxclients
 * @param clientIdleTimeoutMillis a connection with nothing to answer that sends nothing for this long is closed
 *                                (0: never, as Redis's {@code timeout 0})
 * @param authTimeoutMillis       with users configured, a connection that has not authenticated within this
 *                                long is closed (0: never)
 * @param maxAuthFailures         failed AUTH (or HELLO AUTH) attempts one connection may make; the next failure
 *                                closes it
 * @param maxClientOutputBytes    reply bytes written to one connection and not yet taken by its socket; past it
 *                                the connection is closed without a reply (Redis's {@code client-output-buffer-limit}
 *                                hard limit). Only replies to commands started before the client stopped reading
 *                                count, since no command starts while the socket's write buffer is full.
 */
public record ClientLimits(int maxBulkBytes, int maxArrayElements, int maxRequestBytes, int maxPipelineCommands,
                           int maxClientConnections, long clientIdleTimeoutMillis, long authTimeoutMillis,
                           int maxAuthFailures, long maxClientOutputBytes) {

    /**
     * The defaults. Bulk strings and requests: 1 MiB and 1 MiB plus 4 KiB, because the node refuses a command whose
     * encoded log entry (or read) is larger than 1 MiB anyway (the runtime's maxCommandBytes), and a forwarded
     * command (a whole entry of up to 1 MiB as one argument) must still fit.
     *
     * <p>The output limit, 256 MiB, is Redis's hard limit for replicas. Commands stop starting while a client's
     * socket is behind, so only the replies of commands already started pile up: a client that reads its replies
     * reaches it only with a deep pipeline of reads of large values, and one that never reads is cut there.
     */
    public static final ClientLimits DEFAULTS = new ClientLimits(1 << 20, 1 << 20, (1 << 20) + 4096, 4096, 10_000,
            0, 10_000, 10, 256L << 20);

    public ClientLimits {
        if (maxRequestBytes < maxBulkBytes) {
            throw new IllegalArgumentException("maxRequestBytes (" + maxRequestBytes
                    + ") must be at least maxBulkBytes (" + maxBulkBytes + ")");
        }
    }
}
