package io.caucus.kv.cli;

/**
 * Contributes a subcommand to {@code caucus} from a module that depends on this one (a dependency the other
 * way would be a cycle). Found with {@link java.util.ServiceLoader}: the providing jar lists its class in
 * {@code META-INF/services/io.caucus.kv.cli.SubcommandProvider}.
 */
public interface SubcommandProvider {

    /** A fresh picocli command object (annotated with {@code @Command(name = ...)}), added under its name. */
    Object command();
}
