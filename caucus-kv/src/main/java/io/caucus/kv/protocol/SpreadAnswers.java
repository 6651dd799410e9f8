package io.caucus.kv.protocol;

import io.caucus.kv.command.Reply;
import io.netty.handler.codec.redis.ArrayRedisMessage;
import io.netty.handler.codec.redis.FullBulkStringRedisMessage;
import io.netty.handler.codec.redis.IntegerRedisMessage;
import io.netty.handler.codec.redis.RedisMessage;
import java.util.ArrayList;
import java.util.List;

/** The answers of a spread command's parts, combined once all are in. */
final class SpreadAnswers {
    /** The command's name, which says how its parts' answers combine. */
    private final String command;
    private final List<RedisMessage> answers = new ArrayList<>();
    private final int parts;
    private int answered;
    private RedisMessage error;
    private String errorCode;

    SpreadAnswers(String command, int parts) {
        this.command = command;
        this.parts = parts;
    }

    /** Adds a part's answer; true once every part has answered. The first error is the command's answer. */
    boolean add(RedisMessage answer, String code) {
        answered++;
        if (code == null) {
            answers.add(answer);
        } else if (error == null) {
            error = answer;
            errorCode = code;
        }
        return answered == parts;
    }

    /** The error code of the command's answer, null if it is no error. */
    String errorCode() {
        return errorCode;
    }

    /** DBSIZE adds, KEYS joins, RANDOMKEY takes the first key; FLUSHALL and FLUSHDB answer OK. */
    RedisMessage combined() {
        if (error != null) {
            return error;
        }
        return switch (command) {
            case "DBSIZE" -> new IntegerRedisMessage(answers.stream()
                    .mapToLong(answer -> ((IntegerRedisMessage) answer).value()).sum());
            case "KEYS" -> new ArrayRedisMessage(answers.stream()
                    .flatMap(answer -> ((ArrayRedisMessage) answer).children().stream())
                    .toList());
            case "RANDOMKEY" -> answers.stream().filter(answer -> answer
                            != FullBulkStringRedisMessage.NULL_INSTANCE).findFirst()
                    .orElse(FullBulkStringRedisMessage.NULL_INSTANCE);
            default -> Replies.of(Reply.OK);
        };
    }
}
