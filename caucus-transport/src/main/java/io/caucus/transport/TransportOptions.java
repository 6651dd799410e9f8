package io.caucus.transport;

import io.caucus.transport.tls.TlsSource;

/**
 * Limits and timings of a {@link PeerTransport}. Every queue and frame is bounded (design brief: a limit on
 * everything).
 *
 * @param clusterName             both ends of a connection must name the same cluster, so that a server
 *                                pointed at the wrong cluster's address is refused at the handshake
 * @param maxFrameBytes           the largest frame accepted or sent (without its 4-byte length prefix); a
 *                                larger inbound frame closes the connection, a larger outbound message is
 *                                dropped and counted
 * @param maxQueuedMessages       per peer: messages waiting to be written; when full, send() drops
 * @param maxQueuedBytes          per peer: estimated bytes waiting to be written; when full, send() drops.
 *                                At least maxFrameBytes, so that every sendable message can be queued
 * @param writeBufferHighBytes    Netty's high water mark: above it the peer's queue stops draining into the
 *                                socket buffer until it falls below writeBufferLowBytes
 * @param writeBufferLowBytes     Netty's low water mark
 * @param reconnectInitialMillis  backoff before the first reconnect after a failure
 * @param reconnectMaxMillis      cap of the exponential backoff
 * @param connectTimeoutMillis    TCP connect timeout
 * @param handshakeTimeoutMillis  a connection whose handshake has not completed by then is closed
 * @param shutdownTimeoutMillis   close() waits at most this long for the event loops to stop
 * @param ioThreads               Netty event loop threads for all connections of this transport
 * @param tls                     mutual TLS on every connection, or null for plaintext: both ends present a
 *                                certificate chaining to the source's ca, and each checks that the other's names
 *                                the member it claims to be (its id, or the host of its address)
 * @param minProtocolVersion      the oldest wire protocol version this node speaks (see {@link WireProtocol})
 * @param maxProtocolVersion      the newest; a connection speaks the newest both ends hold, and peers without
 *                                a common version are refused. Narrowed only to test mixed versions
 */
public record TransportOptions(String clusterName, int maxFrameBytes, int maxQueuedMessages, long maxQueuedBytes,
                               int writeBufferHighBytes, int writeBufferLowBytes,
                               long reconnectInitialMillis, long reconnectMaxMillis, int connectTimeoutMillis,
                               long handshakeTimeoutMillis, long shutdownTimeoutMillis, int ioThreads,
                               TlsSource tls, int minProtocolVersion, int maxProtocolVersion) {

    public static final int DEFAULT_MAX_FRAME_BYTES = 16 * 1024 * 1024;

    public TransportOptions {
        require(clusterName != null && !clusterName.isBlank(), "clusterName must not be blank");
        require(maxFrameBytes >= 1024, "maxFrameBytes must be at least 1024: " + maxFrameBytes);
        require(maxQueuedMessages >= 1, "maxQueuedMessages must be positive: " + maxQueuedMessages);
        require(maxQueuedBytes >= maxFrameBytes, "maxQueuedBytes (" + maxQueuedBytes
                + ") must be at least maxFrameBytes (" + maxFrameBytes + ") so any sendable message can queue");
        require(writeBufferLowBytes >= 1 && writeBufferLowBytes <= writeBufferHighBytes,
                "need 1 <= writeBufferLowBytes (" + writeBufferLowBytes + ") <= writeBufferHighBytes ("
                        + writeBufferHighBytes + ")");
        require(reconnectInitialMillis >= 1, "reconnectInitialMillis must be positive: " + reconnectInitialMillis);
        require(reconnectMaxMillis >= reconnectInitialMillis, "reconnectMaxMillis (" + reconnectMaxMillis
                + ") must be at least reconnectInitialMillis (" + reconnectInitialMillis + ")");
        require(connectTimeoutMillis >= 1, "connectTimeoutMillis must be positive: " + connectTimeoutMillis);
        require(handshakeTimeoutMillis >= 1, "handshakeTimeoutMillis must be positive: " + handshakeTimeoutMillis);
        require(shutdownTimeoutMillis >= 0, "shutdownTimeoutMillis must not be negative: " + shutdownTimeoutMillis);
        require(ioThreads >= 1, "ioThreads must be positive: " + ioThreads);
        require(tls == null || tls.files().ca() != null, "peer TLS needs a ca to check the other end against");
        require(WireProtocol.MIN_PROTOCOL_VERSION <= minProtocolVersion && minProtocolVersion <= maxProtocolVersion
                && maxProtocolVersion <= WireProtocol.PROTOCOL_VERSION, "protocol versions "
                + WireProtocol.range(minProtocolVersion, maxProtocolVersion) + " are not within what this build"
                + " speaks (" + WireProtocol.range(WireProtocol.MIN_PROTOCOL_VERSION, WireProtocol.PROTOCOL_VERSION)
                + ")");
    }

    /** Every protocol version this build speaks. */
    public TransportOptions(String clusterName, int maxFrameBytes, int maxQueuedMessages, long maxQueuedBytes,
                            int writeBufferHighBytes, int writeBufferLowBytes, long reconnectInitialMillis,
                            long reconnectMaxMillis, int connectTimeoutMillis, long handshakeTimeoutMillis,
                            long shutdownTimeoutMillis, int ioThreads, TlsSource tls) {
        this(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes, writeBufferHighBytes, writeBufferLowBytes,
                reconnectInitialMillis, reconnectMaxMillis, connectTimeoutMillis, handshakeTimeoutMillis,
                shutdownTimeoutMillis, ioThreads, tls, WireProtocol.MIN_PROTOCOL_VERSION,
                WireProtocol.PROTOCOL_VERSION);
    }

    /** Plaintext options. */
    public TransportOptions(String clusterName, int maxFrameBytes, int maxQueuedMessages, long maxQueuedBytes,
                            int writeBufferHighBytes, int writeBufferLowBytes, long reconnectInitialMillis,
                            long reconnectMaxMillis, int connectTimeoutMillis, long handshakeTimeoutMillis,
                            long shutdownTimeoutMillis, int ioThreads) {
        this(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes, writeBufferHighBytes, writeBufferLowBytes,
                reconnectInitialMillis, reconnectMaxMillis, connectTimeoutMillis, handshakeTimeoutMillis,
                shutdownTimeoutMillis, ioThreads, null);
    }

    /**
     * Defaults for a LAN cluster: 16 MiB frames, 64 Ki messages or 64 MiB queued per peer, backoff 50 ms..5 s,
     * one I/O thread. One thread carries every peer connection, so the node thread's messages of one turn to
     * all followers cost one event-loop wake-up, and the replies that arrive together are read in one loop
     * turn; peer traffic of a few nodes does not need a second thread (docs/benchmarks.md, "What the design
     * rests on").
     */
    public static TransportOptions defaults() {
        return new TransportOptions("caucus", DEFAULT_MAX_FRAME_BYTES, 65_536, 64L * 1024 * 1024,
                1024 * 1024, 512 * 1024, 50, 5_000, 3_000, 5_000, 5_000, 1);
    }

    public TransportOptions withClusterName(String value) {
        return new TransportOptions(value, maxFrameBytes, maxQueuedMessages, maxQueuedBytes, writeBufferHighBytes,
                writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis, connectTimeoutMillis,
                handshakeTimeoutMillis, shutdownTimeoutMillis, ioThreads, tls, minProtocolVersion,
                maxProtocolVersion);
    }

    /** Sets maxFrameBytes, raising maxQueuedBytes to match if it would fall below. */
    public TransportOptions withMaxFrameBytes(int value) {
        return new TransportOptions(clusterName, value, maxQueuedMessages, Math.max(maxQueuedBytes, value),
                writeBufferHighBytes, writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis,
                connectTimeoutMillis, handshakeTimeoutMillis, shutdownTimeoutMillis, ioThreads, tls,
                minProtocolVersion, maxProtocolVersion);
    }

    public TransportOptions withQueueBounds(int messages, long bytes) {
        return new TransportOptions(clusterName, maxFrameBytes, messages, bytes, writeBufferHighBytes,
                writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis, connectTimeoutMillis,
                handshakeTimeoutMillis, shutdownTimeoutMillis, ioThreads, tls, minProtocolVersion,
                maxProtocolVersion);
    }

    public TransportOptions withReconnectBackoff(long initialMillis, long maxMillis) {
        return new TransportOptions(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes,
                writeBufferHighBytes, writeBufferLowBytes, initialMillis, maxMillis, connectTimeoutMillis,
                handshakeTimeoutMillis, shutdownTimeoutMillis, ioThreads, tls, minProtocolVersion,
                maxProtocolVersion);
    }

    public TransportOptions withHandshakeTimeoutMillis(long value) {
        return new TransportOptions(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes,
                writeBufferHighBytes, writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis,
                connectTimeoutMillis, value, shutdownTimeoutMillis, ioThreads, tls, minProtocolVersion,
                maxProtocolVersion);
    }

    public TransportOptions withIoThreads(int value) {
        return new TransportOptions(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes,
                writeBufferHighBytes, writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis,
                connectTimeoutMillis, handshakeTimeoutMillis, shutdownTimeoutMillis, value, tls,
                minProtocolVersion, maxProtocolVersion);
    }

    /** Mutual TLS with {@code value}'s material (null: plaintext). */
    public TransportOptions withTls(TlsSource value) {
        return new TransportOptions(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes,
                writeBufferHighBytes, writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis,
                connectTimeoutMillis, handshakeTimeoutMillis, shutdownTimeoutMillis, ioThreads, value,
                minProtocolVersion, maxProtocolVersion);
    }

    /** Speaks only versions {@code min} to {@code max} of what this build speaks (to test mixed versions). */
    public TransportOptions withProtocolVersions(int min, int max) {
        return new TransportOptions(clusterName, maxFrameBytes, maxQueuedMessages, maxQueuedBytes,
                writeBufferHighBytes, writeBufferLowBytes, reconnectInitialMillis, reconnectMaxMillis,
                connectTimeoutMillis, handshakeTimeoutMillis, shutdownTimeoutMillis, ioThreads, tls, min, max);
    }

    private static void require(boolean condition, String message) {
        if (!condition) {
            throw new IllegalArgumentException(message);
        }
    }
}
