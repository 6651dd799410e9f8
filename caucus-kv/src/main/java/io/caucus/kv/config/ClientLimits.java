package io.caucus.kv.config;

/**
 * Bounds on what one client of the Redis port can make a node hold or wait for (docs/operations.md, "The
 * configuration file"; docs/security.md). A client that trips the request limits gets a protocol error and is disconnected; the
 * pipeline limit is back-pressure (the node stops reading from that connection), not an error.
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
 */
public record ClientLimits(int maxBulkBytes, int maxArrayElements, int maxRequestBytes, int maxPipelineCommands,
                           int maxClientConnections, long clientIdleTimeoutMillis, long authTimeoutMillis,
                           int maxAuthFailures) {

    /**
     * The defaults. Bulk strings and requests: 1 MiB and 1 MiB plus 4 KiB, because the node refuses a command whose
     * encoded log entry (or read) is larger than 1 MiB anyway (the runtime's maxCommandBytes), and a forwarded
     * command (a whole entry of up to 1 MiB as one argument) must still fit.
     */
    public static final ClientLimits DEFAULTS = new ClientLimits(1 << 20, 1 << 20, (1 << 20) + 4096, 4096, 10_000,
            0, 10_000, 10);

    public ClientLimits {
        if (maxRequestBytes < maxBulkBytes) {
            throw new IllegalArgumentException("maxRequestBytes (" + maxRequestBytes
                    + ") must be at least maxBulkBytes (" + maxBulkBytes + ")");
        }
    }
}
