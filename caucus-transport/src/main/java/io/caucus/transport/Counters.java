package io.caucus.transport;

import java.util.concurrent.atomic.LongAdder;

/** The live counters behind {@link TransportMetrics}; updated from any thread without locks. */
final class Counters {
    final LongAdder messagesSent = new LongAdder();
    final LongAdder flushes = new LongAdder();
    final LongAdder messagesReceived = new LongAdder();
    final LongAdder droppedQueueFull = new LongAdder();
    final LongAdder droppedUnknownPeer = new LongAdder();
    final LongAdder droppedOversize = new LongAdder();
    final LongAdder droppedClosed = new LongAdder();
    final LongAdder droppedWrongRecipient = new LongAdder();
    final LongAdder droppedWrongSender = new LongAdder();
    final LongAdder droppedUnknownType = new LongAdder();
    final LongAdder handlerFailures = new LongAdder();
    final LongAdder connectAttempts = new LongAdder();
    final LongAdder reconnects = new LongAdder();
    final LongAdder connectionsEstablished = new LongAdder();
    final LongAdder handshakesRefused = new LongAdder();
    final LongAdder handshakesRefusedByPeer = new LongAdder();
    final LongAdder oversizeFramesRejected = new LongAdder();
    final LongAdder decodeErrors = new LongAdder();
    final LongAdder droppedUnknownGroup = new LongAdder();
    final LongAdder pingsSent = new LongAdder();

    TransportMetrics snapshot() {
        return new TransportMetrics(messagesSent.sum(), flushes.sum(), messagesReceived.sum(),
                droppedQueueFull.sum(), droppedUnknownPeer.sum(), droppedOversize.sum(), droppedClosed.sum(), droppedWrongRecipient.sum(),
                droppedWrongSender.sum(), droppedUnknownType.sum(), handlerFailures.sum(), connectAttempts.sum(),
                reconnects.sum(), connectionsEstablished.sum(), handshakesRefused.sum(),
                handshakesRefusedByPeer.sum(), oversizeFramesRejected.sum(), decodeErrors.sum(),
                droppedUnknownGroup.sum(), pingsSent.sum());
    }
}
