package io.caucus.kv.protocol;

import io.caucus.kv.cluster.ForwardingRefusedException;
import io.caucus.kv.state.KvResult;
import io.caucus.server.CaucusException;
import io.caucus.server.MembershipException;
import io.caucus.server.NoLeaderException;
import io.caucus.server.NotLeaderException;
import io.caucus.server.OutcomeUnknownException;
import io.caucus.server.OverloadedException;
import io.caucus.server.ShutdownException;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.ErrorRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import io.netty.handler.codec.redis.SimpleStringRedisMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/** Turns results and failures into RESP replies, with the error codes of {@link ErrorCodes}. */
public final class Replies {

    static final SimpleStringRedisMessage OK = new SimpleStringRedisMessage("OK");

    private Replies() {
    }

    static RedisMessage of(KvResult result) {
        return switch (result) {
            case KvResult.Ok ignored -> OK;
            case KvResult.Int value -> new IntegerRedisMessage(value.value());
            case KvResult.Bulk bulk -> bulk(bulk.value());
            case KvResult.Nil ignored -> FullBulkStringRedisMessage.NULL_INSTANCE;
            case KvResult.Array array -> {
                List<RedisMessage> children = new ArrayList<>(array.elements().size());
                for (byte[] element : array.elements()) {
                    children.add(element == null ? FullBulkStringRedisMessage.NULL_INSTANCE : bulk(element));
                }
                yield new ArrayRedisMessage(children);
            }
            case KvResult.Error error -> error(error.code(), error.message());
        };
    }

    public static FullBulkStringRedisMessage bulk(byte[] value) {
        return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(value));
    }

    static ErrorRedisMessage error(String code, String message) {
        return new ErrorRedisMessage(code + " " + RequestParser.printable(message));
    }

    /** The error code for a failed write or read; {@code write} decides what an unexplained failure means. */
    static KvResult.Error failure(Throwable failure, boolean write) {
        Throwable cause = unwrap(failure);
        if (cause instanceof CaucusException caucus) {
            return switch (caucus) {
                case NotLeaderException notLeader -> new KvResult.Error(ErrorCodes.NOTLEADER,
                        (notLeader.leader() == null ? "?" : notLeader.leader().value())
                                + notLeader.leaderClientAddress().map(a -> " " + a.getHostString() + ":"
                                        + a.getPort()).orElse("") + " this node is not the leader; not applied");
                case NoLeaderException e -> new KvResult.Error(ErrorCodes.NOLEADER,
                        "no leader is known (" + e.getMessage() + "); not applied, retry");
                case OverloadedException e -> new KvResult.Error(ErrorCodes.OVERLOADED,
                        e.getMessage() + "; not applied, retry later");
                case ShutdownException e -> new KvResult.Error(ErrorCodes.SHUTDOWN,
                        e.getMessage() + "; not applied");
                case OutcomeUnknownException e -> new KvResult.Error(ErrorCodes.UNKNOWN, write
                        ? e.getMessage() + "; the write may or may not have been applied"
                        : e.getMessage() + "; reads change nothing, retry");
                case MembershipException e -> new KvResult.Error(ErrorCodes.ERR, e.getMessage());
            };
        }
        if (cause instanceof ForwardingRefusedException || cause instanceof IllegalArgumentException) {
            return new KvResult.Error(ErrorCodes.ERR, cause.getMessage() + "; not applied");
        }
        String message = String.valueOf(cause.getMessage());
        return write ? new KvResult.Error(ErrorCodes.UNKNOWN, "internal error (" + message
                + "); the write may or may not have been applied")
                : new KvResult.Error(ErrorCodes.ERR, "internal error: " + message);
    }

    public static Throwable unwrap(Throwable failure) {
        Throwable cause = failure;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
