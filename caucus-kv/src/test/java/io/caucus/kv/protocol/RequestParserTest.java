package io.caucus.kv.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.caucus.kv.state.KvWrite;
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

    @Test
    void classifiesWritesReadsAndLocalCommandsCaseInsensitively() {
        assertThat(parse("set", "k", "v")).isInstanceOf(Request.Write.class);
        assertThat(parse("SeT", "k", "v").name()).isEqualTo("SET");
        assertThat(parse("get", "k")).isInstanceOf(Request.Read.class);
        assertThat(parse("MGET", "a", "b")).isInstanceOf(Request.Read.class);
        assertThat(parse("ping")).isInstanceOf(Request.Local.class);
        assertThat(parse("CONFIG", "GET", "save")).isInstanceOf(Request.Local.class);
        assertThat(parse("COMMAND", "DOCS")).isInstanceOf(Request.Local.class);
        assertThat(parse("CAS", "k", "old", "new")).usingRecursiveComparison()
                .isEqualTo(new Request.Write("CAS", new KvWrite.CompareAndSet("k".getBytes(), "old".getBytes(),
                        "new".getBytes())));
    }

    @Test
    void incrementsBecomeSignedDeltas() {
        assertThat(((Request.Write) parse("DECR", "n")).write()).usingRecursiveComparison()
                .isEqualTo(new KvWrite.IncrementBy("n".getBytes(), -1));
        KvWrite.IncrementBy decrBy = (KvWrite.IncrementBy) ((Request.Write) parse("DECRBY", "n", "7")).write();
        assertThat(decrBy.delta()).isEqualTo(-7);
        KvWrite.IncrementBy incrBy = (KvWrite.IncrementBy) ((Request.Write) parse("INCRBY", "n", "-3")).write();
        assertThat(incrBy.delta()).isEqualTo(-3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"GET", "GET a b", "SET k", "DEL", "INCR", "INCR a b", "INCRBY a", "DECR", "APPEND k",
        "MSET", "MSET a", "MSET a 1 b", "MGET", "EXISTS", "STRLEN", "DBSIZE x", "CAS k v", "CAS k a b c", "ECHO",
        "PING a b", "SELECT", "CONFIG"})
    void wrongArityIsRefusedWithRedisWording(String command) {
        Request request = parse(command.split(" "));
        assertThat(request).isInstanceOf(Request.Invalid.class);
        assertThat(((Request.Invalid) request).message()).startsWith("wrong number of arguments for '"
                + command.split(" ")[0].toLowerCase() + "' command");
    }

    @Test
    void badIntegersUnknownCommandsAndUnsupportedOptionsAreRefused() {
        assertThat(((Request.Invalid) parse("INCRBY", "n", "x")).message()).contains("not an integer");
        assertThat(((Request.Invalid) parse("INCRBY", "n", "99999999999999999999")).message()).contains("not an integer");
        assertThat(((Request.Invalid) parse("INCRBY", "n", "+1")).message()).contains("not an integer");
        assertThat(((Request.Invalid) parse("DECRBY", "n", "-9223372036854775808")).message()).contains("overflow");
        assertThat(((Request.Invalid) parse("FLUSHALL")).message()).startsWith("unknown command 'FLUSHALL'");
        assertThat(((Request.Invalid) parse("SET", "k", "v", "EX", "10")).message()).contains("not supported");
        assertThat(((Request.Invalid) parse("SELECT", "1")).message()).contains("out of range");
        assertThat(((Request.Invalid) parse("CONFIG", "SET", "a", "b")).message()).contains("only CONFIG GET");
        assertThat(RequestParser.parse(List.of())).isInstanceOf(Request.Invalid.class);
    }

    @Test
    void errorTextIsOneLine() {
        Request request = parse("BAD\r\nCOMMAND");
        assertThat(((Request.Invalid) request).message()).doesNotContain("\r").doesNotContain("\n");
    }
}
