package io.caucus.kv.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.Layout;
import ch.qos.logback.core.encoder.LayoutWrappingEncoder;
import org.slf4j.LoggerFactory;

/**
 * Where the caucus command's log lines go and what they look like: one line per event on standard error
 * (standard output stays for a command's answer), with the time in UTC, the level, the node and the message,
 * as text or as a JSON object ({@code --log-format}). Caucus's own loggers log at {@code --log-level} (info by
 * default: starts, leader changes, membership changes, snapshots, peers lost); every other library only its
 * warnings and errors, so a node's first screen is its own story.
 */
public final class LogSetup {

    /** The text form: {@code 2026-12-05T05:30:01.123Z INFO  n1 NodeLoop: won the election, leader of term 2}. */
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSX,UTC} %-5level %node %logger{0}: %msg%n";
    /** The context property naming the process's own node, for events that name none. */
    static final String NODE_PROPERTY = "caucus.node";

    public enum Format { TEXT, JSON }

    private LogSetup() {
    }

    /** Replaces any configuration Logback found with this one. */
    public static void configure(Format format, Level caucusLevel) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        String node = context.getProperty(NODE_PROPERTY);
        context.reset();
        if (node != null) {
            context.putProperty(NODE_PROPERTY, node);
        }
        ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
        appender.setContext(context);
        appender.setName("stderr");
        appender.setTarget("System.err");
        appender.setEncoder(encoder(context, format == Format.JSON ? new JsonLineLayout() : textLayout()));
        appender.start();
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.WARN);
        root.addAppender(appender);
        context.getLogger("io.caucus").setLevel(caucusLevel);
    }

    /** Names this process's node in every line that names none (a library's, or one about the whole process). */
    public static void nodeIs(String node) {
        ((LoggerContext) LoggerFactory.getILoggerFactory()).putProperty(NODE_PROPERTY, node);
    }

    private static Layout<ILoggingEvent> textLayout() {
        PatternLayout layout = new PatternLayout();
        layout.getInstanceConverterMap().put("node", NodeConverter::new);
        layout.setPattern(TEXT_PATTERN);
        return layout;
    }

    private static LayoutWrappingEncoder<ILoggingEvent> encoder(LoggerContext context, Layout<ILoggingEvent> layout) {
        layout.setContext(context);
        layout.start();
        LayoutWrappingEncoder<ILoggingEvent> encoder = new LayoutWrappingEncoder<>();
        encoder.setContext(context);
        encoder.setLayout(layout);
        encoder.start();
        return encoder;
    }
}
