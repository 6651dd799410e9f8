package io.caucus.kv.cli;

import io.caucus.kv.admin.AdminJson;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;

/**
 * A backup file of {@code caucus backup}: a first line {@code CAUCUS-BACKUP 1}, a line of JSON with where and when
 * the snapshot was taken, its size and SHA-256, then the state machine's snapshot data as the node kept it. The
 * file appears under its name only once it is whole and durable (written aside, fsynced, renamed).
 */
final class BackupFile {

    static final String MAGIC = "CAUCUS-BACKUP 1";
    /** The header's two lines are small; a longer first line is not a backup. */
    private static final int MAX_HEADER_BYTES = 64 * 1024;

    /** The header line: the snapshot's index and term on the node it came from. */
    record Header(String node, long index, long term, long bytes, String sha256, long takenAtMillis) {
    }

    /** A backup read back: its header and where its data starts. */
    record Opened(Path file, Header header, long dataOffset) {
    }

    /** Thrown for a file that is not a whole, undamaged backup; the message names the file and what is wrong. */
    static final class DamagedBackupException extends IOException {
        DamagedBackupException(Path file, String why) {
            super(file + " is not a usable backup: " + why);
        }
    }

    private BackupFile() {
    }

    /** Writes {@code data} (read to its end) as the backup {@code file}; answers its header. */
    static Header write(Path file, String node, long index, long term, InputStream data) throws IOException {
        Path part = file.resolveSibling(file.getFileName() + ".data.part");
        Path whole = file.resolveSibling(file.getFileName() + ".part");
        try {
            MessageDigest sha256 = sha256();
            long bytes;
            try (DigestInputStream in = new DigestInputStream(data, sha256);
                 OutputStream out = Files.newOutputStream(part)) {
                bytes = in.transferTo(out);
            }
            Header header = new Header(node, index, term, bytes, HexFormat.of().formatHex(sha256.digest()),
                    System.currentTimeMillis());
            try (FileChannel channel = FileChannel.open(whole, StandardOpenOption.CREATE,
                    StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
                 OutputStream out = java.nio.channels.Channels.newOutputStream(channel)) {
                out.write((MAGIC + "\n" + AdminJson.write(header)).getBytes(StandardCharsets.UTF_8));
                Files.copy(part, out);
                out.flush();
                channel.force(true);
            }
            Files.move(whole, file, StandardCopyOption.ATOMIC_MOVE);
            return header;
        } finally {
            Files.deleteIfExists(part);
            Files.deleteIfExists(whole);
        }
    }

    /** Reads the header of {@code file} and checks the data against its size and SHA-256. */
    static Opened openVerified(Path file) throws IOException {
        Opened opened = readHeader(file);
        MessageDigest sha256 = sha256();
        long bytes;
        try (InputStream data = openData(opened); DigestInputStream in = new DigestInputStream(data, sha256)) {
            bytes = in.transferTo(OutputStream.nullOutputStream());
        }
        if (bytes != opened.header().bytes() || Files.size(file) != opened.dataOffset() + bytes) {
            throw new DamagedBackupException(file, "it holds " + (Files.size(file) - opened.dataOffset())
                    + " bytes of data, its header says " + opened.header().bytes() + " (cut short?)");
        }
        String actual = HexFormat.of().formatHex(sha256.digest());
        if (!actual.equals(opened.header().sha256())) {
            throw new DamagedBackupException(file, "its data's SHA-256 is " + actual + ", its header says "
                    + opened.header().sha256() + " (damaged)");
        }
        return opened;
    }

    /** The snapshot data of a backup: the rest of the file after its header. Close it. */
    static InputStream openData(Opened opened) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(opened.file()));
        in.skipNBytes(opened.dataOffset());
        return in;
    }

    private static Opened readHeader(Path file) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            String magic = line(file, in);
            if (!magic.equals(MAGIC)) {
                throw new DamagedBackupException(file, "it does not start with '" + MAGIC + "'");
            }
            String json = line(file, in);
            Header header;
            try {
                Map<String, Object> fields = AdminJson.parseObject(json);
                header = new Header(String.valueOf(fields.get("node")), number(fields, "index"),
                        number(fields, "term"), number(fields, "bytes"), String.valueOf(fields.get("sha256")),
                        number(fields, "takenAtMillis"));
            } catch (IllegalArgumentException e) {
                throw new DamagedBackupException(file, "its header is unreadable: " + e.getMessage());
            }
            if (header.index() <= 0 || header.bytes() < 0) {
                throw new DamagedBackupException(file, "its header names index " + header.index() + " and "
                        + header.bytes() + " bytes");
            }
            long offset = magic.length() + 1 + json.getBytes(StandardCharsets.UTF_8).length + 1;
            return new Opened(file, header, offset);
        }
    }

    private static String line(Path file, InputStream in) throws IOException {
        StringBuilder bytes = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            if (b < 0 || bytes.length() >= MAX_HEADER_BYTES) {
                throw new DamagedBackupException(file, b < 0 ? "it ends inside its header" : "its header is too long");
            }
            bytes.append((char) b);
        }
        return new String(bytes.toString().getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }

    private static long number(Map<String, Object> fields, String name) {
        if (fields.get(name) instanceof Number number) {
            return number.longValue();
        }
        throw new IllegalArgumentException("no number '" + name + "'");
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
