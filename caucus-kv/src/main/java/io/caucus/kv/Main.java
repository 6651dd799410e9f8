package io.caucus.kv;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code caucus} command: {@code server}, {@code demo}, {@code status}, {@code member} and {@code leader}. */
@Command(name = "caucus", mixinStandardHelpOptions = true, version = "caucus 0.1.0",
        description = "Caucus: a replicated key-value store on Raft that speaks the Redis protocol.",
        subcommands = {ServerCommand.class, DemoCommand.class, StatusCommand.class, MemberCommand.class,
                LeaderCommand.class})
public final class Main implements Runnable {

    @CommandLine.Spec
    private CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine commandLine = new CommandLine(new Main());
        commandLine.setExecutionExceptionHandler((exception, line, parseResult) -> {
            if (exception instanceof ConfigException) {
                line.getErr().println("caucus: " + exception.getMessage());
                return 2;
            }
            if (exception instanceof java.io.UncheckedIOException || exception instanceof IllegalArgumentException
                    || exception instanceof IllegalStateException) {
                // Could not start (port in use, data directory unusable, option refused by the runtime).
                line.getErr().println("caucus: " + exception.getMessage());
                return 1;
            }
            throw exception;
        });
        return commandLine;
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }
}
