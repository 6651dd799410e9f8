package io.caucus.kv.protocol;

import io.caucus.kv.command.ErrorCodes;
import io.caucus.kv.cluster.ForwardingRefusedException;
import io.caucus.kv.command.Reply;
import io.caucus.server.HostPort;
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

    public static RedisMessage of(Reply reply) {
        return switch (reply) {
            case Reply.Status status -> status.text().equals("OK") ? OK : new SimpleStringRedisMessage(status.text());
            case Reply.Int value -> new IntegerRedisMessage(value.value());
            case Reply.Bulk bulk -> bulk(bulk.value());
            case Reply.Nil ignored -> FullBulkStringRedisMessage.NULL_INSTANCE;
            case Reply.Array array -> {
                List<RedisMessage> children = new ArrayList<>(array.elements().size());
                for (Reply element : array.elements()) {
                    children.add(of(element));
                }
                yield new ArrayRedisMessage(children);
            }
            case Reply.NullArray ignored -> ArrayRedisMessage.NULL_INSTANCE;
            case Reply.Error error -> error(error.code(), error.message());
        };
    }

    public static FullBulkStringRedisMessage bulk(byte[] value) {
        return new FullBulkStringRedisMessage(Unpooled.wrappedBuffer(value));
    }

    static ErrorRedisMessage error(String code, String message) {
        // An error reply is one line: Redis turns CR and LF inside it into spaces.
        String line = message.isEmpty() ? code : code + " " + message;
        return new ErrorRedisMessage(line.replace('\r', ' ').replace('\n', ' '));
    }

    private static final String MAYBE_APPLIED = "; the write may or may not have been applied";

    /** The message with its explanation, once: a forwarded UNKNOWN already carries the leader's. */
    private static String explained(String message, String explanation) {
        return message.endsWith(explanation) ? message : message + explanation;
    }

    /** The error code for a failed write or read; {@code write} decides what an unexplained failure means. */
    static Reply.Error failure(Throwable failure, boolean write) {
        Throwable cause = unwrap(failure);
        if (cause instanceof CaucusException caucus) {
            return switch (caucus) {
                case NotLeaderException notLeader -> new Reply.Error(ErrorCodes.NOTLEADER,
                        (notLeader.leader() == null ? "?" : notLeader.leader().value())
                                + notLeader.leaderClientAddress().map(a -> " " + HostPort.format(a)).orElse("") + " this node is not the leader; not applied");
                case NoLeaderException e -> new Reply.Error(ErrorCodes.NOLEADER,
                        "no leader is known (" + e.getMessage() + "); not applied, retry");
                case OverloadedException e -> new Reply.Error(ErrorCodes.OVERLOADED,
                        e.getMessage() + "; not applied, retry later");
                case ShutdownException e -> new Reply.Error(ErrorCodes.SHUTDOWN,
                        e.getMessage() + "; not applied");
                case OutcomeUnknownException e -> new Reply.Error(ErrorCodes.UNKNOWN,
                        explained(e.getMessage(), write ? MAYBE_APPLIED : "; reads change nothing, retry"));
                case MembershipException e -> new Reply.Error(ErrorCodes.ERR, e.getMessage());
            };
        }
        if (cause instanceof ForwardingRefusedException || cause instanceof IllegalArgumentException) {
            return new Reply.Error(ErrorCodes.ERR, cause.getMessage() + "; not applied");
        }
        String message = String.valueOf(cause.getMessage());
        return write ? new Reply.Error(ErrorCodes.UNKNOWN, "internal error (" + message
                + ")" + MAYBE_APPLIED)
                : new Reply.Error(ErrorCodes.ERR, "internal error: " + message);
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
