package io.caucus.bench.peers.ratis;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;

/**
 * The replicated map: a write's message is the 8-byte key followed by the value; a read's message is the key
 * and its reply the value (empty when absent). Ratis applies committed entries on one thread per group;
 * queries run on the server's threads, hence the concurrent map.
 */
final class MapStateMachine extends BaseStateMachine {

    static final int KEY_BYTES = 8;

    private final Map<ByteString, ByteString> entries = new ConcurrentHashMap<>();

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext transaction) {
        LogEntryProto entry = transaction.getLogEntry();
        ByteString write = entry.getStateMachineLogEntry().getLogData();
        if (write.size() < KEY_BYTES) {
            return CompletableFuture.failedFuture(new IllegalArgumentException(
                    "a write is an 8-byte key and a value, got " + write.size() + " bytes"));
        }
        entries.put(write.substring(0, KEY_BYTES), write.substring(KEY_BYTES));
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        return CompletableFuture.completedFuture(Message.EMPTY);
    }

    @Override
    public CompletableFuture<Message> query(Message request) {
        ByteString value = entries.get(request.getContent());
        return CompletableFuture.completedFuture(Message.valueOf(value == null ? ByteString.EMPTY : value));
    }
}
