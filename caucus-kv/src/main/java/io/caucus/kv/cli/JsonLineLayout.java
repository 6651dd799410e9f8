package io.caucus.kv.cli;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.LayoutBase;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code --log-format json}: one flat JSON object per line, with the text form's fields under fixed names
 * ({@code time}, {@code level}, {@code node}, {@code logger}, {@code thread}, {@code message}, and
 * {@code exception} when there is one), for log shippers and {@code jq}. Logback's own JsonEncoder nests the
 * key-value pairs in a list and has no field for the process's node, so the fields are laid out here and
 * written by Jackson.
 */
public final class JsonLineLayout extends LayoutBase<ILoggingEvent> {

    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSX")
            .withZone(ZoneOffset.UTC);
    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String doLayout(ILoggingEvent event) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("time", TIME.format(Instant.ofEpochMilli(event.getTimeStamp())));
        fields.put("level", event.getLevel().toString());
        fields.put("node", NodeConverter.nodeOf(event));
        String group = NodeConverter.groupOf(event);
        if (group != null) {
            fields.put("group", group);
        }
        fields.put("logger", event.getLoggerName());
        fields.put("thread", event.getThreadName());
        fields.put("message", event.getFormattedMessage());
        if (event.getThrowableProxy() != null) {
            fields.put("exception", ThrowableProxyUtil.asString(event.getThrowableProxy()));
        }
        try {
            return JSON.writeValueAsString(fields) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings always serializes", e);
        }
    }
}
