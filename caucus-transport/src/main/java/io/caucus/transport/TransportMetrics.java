package io.caucus.transport;

/**
 * A snapshot of a transport's counters since it was built. Every message handed to send() ends in exactly one
 * of: messagesSent, one of the outbound drop counters, or still queued.
 *
 * @param messagesSent                   written to a peer's connection (may still be lost if it breaks)
 * @param flushes                        socket flushes of outbound connections: messagesSent / flushes is the
 *                                       mean batch per write syscall
 * @param messagesReceived               delivered to the inbound handler
 * @param droppedQueueFull               send() found the peer's queue at its message or byte bound
 * @param droppedUnknownPeer             send() named a node that is not a known peer
 * @param droppedOversize                encoded larger than maxFrameBytes, so never sent
 * @param droppedClosed                  sent after close(), or still queued at close() or removePeer()
 * @param droppedWrongRecipient          inbound, addressed to another node
 * @param droppedWrongSender             inbound, its from differs from the node that did the handshake
 * @param droppedUnknownType             inbound, a message type this build does not know (a newer peer)
 * @param handlerFailures                the inbound handler threw
 * @param connectAttempts                outbound connections dialled
 * @param reconnects                     reconnects scheduled after a failed or lost connection
 * @param connectionsEstablished         outbound handshakes accepted by a peer
 * @param handshakesRefused              inbound Hellos this node refused (version, cluster, node id)
 * @param handshakesRefusedByPeer        outbound Hellos a peer refused
 * @param oversizeFramesRejected         inbound frames over maxFrameBytes (connection closed)
 * @param decodeErrors                   inbound frames that did not decode (connection closed)
 * @param droppedUnknownGroup            inbound, of a Raft group this node does not host (one of a group other
 *                                       than 0 for a peer whose protocol version has no groups, before 4, is
 *                                       dropped when sent and counted in droppedUnknownType, as a message type
 *                                       that version does not know)
 * @param pingsSent                      process pings written on idle connections (hosts of many groups)
 */
public record TransportMetrics(long messagesSent, long flushes, long messagesReceived, long droppedQueueFull,
                               long droppedUnknownPeer, long droppedOversize, long droppedClosed,
                               long droppedWrongRecipient, long droppedWrongSender, long droppedUnknownType,
                               long handlerFailures, long connectAttempts, long reconnects,
                               long connectionsEstablished, long handshakesRefused, long handshakesRefusedByPeer,
                               long oversizeFramesRejected, long decodeErrors, long droppedUnknownGroup,
                               long pingsSent) {

    /** A transport that has counted nothing (networks that are not a {@link PeerTransport}). */
    public static final TransportMetrics NONE = new TransportMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0);

    /** Only the messages sent and received (in-process and simulated networks, which count nothing else). */
    public static TransportMetrics ofMessages(long sent, long received) {
        return new TransportMetrics(sent, 0, received, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
    }

    /** All outbound drops. */
    public long droppedOutbound() {
        return droppedQueueFull + droppedUnknownPeer + droppedOversize + droppedClosed;
    }

    /** All inbound drops of frames that decoded. */
    public long droppedInbound() {
        return droppedWrongRecipient + droppedWrongSender + droppedUnknownType + droppedUnknownGroup;
    }
}
