package io.caucus.kv.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.util.Map;

/**
 * JSON on the admin port, written and read with one Jackson mapper: the endpoints answer records (their
 * components, in order, are the fields), and the clients (the {@code caucus} command, caucus-chaos) read the
 * answers as maps of strings, numbers, booleans, lists and nulls.
 */
public final class AdminJson {

    private static final JsonMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS).build();
    private static final TypeReference<Map<String, Object>> OBJECT = new TypeReference<>() {
    };

    private AdminJson() {
    }

    /** {@code value} (a record, map, list or plain value) as one line of JSON, ending with a newline. */
    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON", e);
        }
    }

    /**
     * The JSON object in {@code text}, its fields in order.
     *
     * @throws IllegalArgumentException if {@code text} is not JSON, or is JSON but not an object
     */
    public static Map<String, Object> parseObject(String text) {
        JsonNode tree;
        try {
            tree = MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (tree == null || !tree.isObject()) {
            throw new IllegalArgumentException("expected a JSON object like {\"id\": \"n4\"}");
        }
        return MAPPER.convertValue(tree, OBJECT);
    }
}
