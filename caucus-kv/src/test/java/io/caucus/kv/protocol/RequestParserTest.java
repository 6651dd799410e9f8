package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.command.CommandSpec;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestParserTest {

    private static Request parse(String... words) {
        List<byte[]> args = new ArrayList<>();
        for (String word : words) {
            args.add(word.getBytes(StandardCharsets.UTF_8));
        }
        return RequestParser.parse(args);
    }

    private static CommandSpec.Kind kind(String... words) {
        return ((Request.Command) parse(words)).spec().kind();
    }

    @Test
    void findsCommandsInTheTableCaseInsensitively() {
        assertThat(kind("set", "k", "v")).isEqualTo(CommandSpec.Kind.WRITE);
        assertThat(parse("SeT", "k", "v").name()).isEqualTo("SET");
        assertThat(kind("get", "k")).isEqualTo(CommandSpec.Kind.READ);
        assertThat(kind("MGET", "a", "b")).isEqualTo(CommandSpec.Kind.READ);
        assertThat(kind("hset", "h", "f", "v")).isEqualTo(CommandSpec.Kind.WRITE);
        assertThat(kind("ping")).isEqualTo(CommandSpec.Kind.LOCAL);
        assertThat(kind("CONFIG", "GET", "save")).isEqualTo(CommandSpec.Kind.LOCAL);
        assertThat(kind("multi")).isEqualTo(CommandSpec.Kind.TRANSACTION);
        assertThat(kind("WATCH", "a", "b")).isEqualTo(CommandSpec.Kind.TRANSACTION);
        // Options and values are checked when the command runs, as Redis does inside MULTI.
        assertThat(kind("SET", "k", "v", "EX", "notanumber")).isEqualTo(CommandSpec.Kind.WRITE);
    }

    @Test
    void forwardedCommandsAreInternal() {
        assertThat(parse(RequestParser.FORWARD_WRITE, "payload")).isInstanceOf(Request.Forwarded.class);
        assertThat(((Request.Forwarded) parse(RequestParser.FORWARD_READ, "x")).write()).isFalse();
        assertThat(parse(RequestParser.FORWARD_WRITE)).isInstanceOf(Request.Invalid.class);
        assertThat(((Request.Forwarded) parse(RequestParser.FORWARD_WRITE, "payload")).group()).isZero();
        // A sharded cluster's forwarded request names its group; anything but a group id (1 up) is refused.
        assertThat(((Request.Forwarded) parse(RequestParser.FORWARD_WRITE, "payload", "7")).group()).isEqualTo(7);
        for (String bad : new String[] {"0", "-1", "x", "99999999999999999999"}) {
            assertThat(parse(RequestParser.FORWARD_READ, "payload", bad)).isInstanceOf(Request.Invalid.class);
        }
        assertThat(parse(RequestParser.FORWARD_WRITE, "payload", "7", "8")).isInstanceOf(Request.Invalid.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "GET a b", "SET k", "DEL", "INCR", "INCR a b", "INCRBY a", "DECR", "APPEND k",
        "MSET", "MGET", "EXISTS", "STRLEN", "DBSIZE x", "CAS k v", "CAS k a b c", "ECHO", "SELECT", "CONFIG",
        "HSET h", "LPUSH l", "ZADD z 1", "SADD s", "EXEC x", "WATCH"})
    void wrongArityIsRefusedWithRedisWording(String command) {
        Request request = parse(command.split(" "));
        assertThat(request).isInstanceOf(Request.Invalid.class);
        assertThat(((Request.Invalid) request).error().line()).isEqualTo("ERR wrong number of arguments for '"
                + command.split(" ")[0].toLowerCase() + "' command");
    }

    @Test
    void unknownCommandsAreRefusedWithRedisWording() {
        Request request = parse("NOSUCH", "a", "b");
        assertThat(request.name()).isEqualTo("UNKNOWN");
        assertThat(((Request.Invalid) request).error().line())
                .isEqualTo("ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' ");
        assertThat(RequestParser.parse(List.of())).isInstanceOf(Request.Invalid.class);
    }

    @Test
    void errorTextIsOneLine() {
        Request request = parse("BAD\r\nCOMMAND");
        assertThat(((Request.Invalid) request).error().line()).doesNotContain("\r").doesNotContain("\n");
    }
}
