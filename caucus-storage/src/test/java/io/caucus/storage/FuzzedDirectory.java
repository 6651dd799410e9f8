package io.caucus.storage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fuzz input of a log directory, for the fuzz tests of the WAL ({@code WalFileFuzzTest}) and of the shared WAL
 * ({@code SharedWalFileFuzzTest}): a few settings, then the segment files. A byte format of its own rather than a
 * {@code FuzzedDataProvider}, so that a seed input is a directory the real writer wrote, byte for byte:
 *
 * <pre>
 *   0  byte   flags: bit 0, repair the checksums of the first frames of every file ({@link #repairFrames});
 *             bit 1, a snapshot exists (the single-group log only)
 *   1  byte   how many frames of each file to repair (255: all)
 *   2  byte   the snapshot's last included index (unsigned)
 *   3  byte   the snapshot's last included term (unsigned)
 *   4  ...    up to {@link #MAX_FILES} files, each: a byte that moves the sequence number on from the previous
 *             file's (0 or 1: the next one; the first file's number is this byte, at least 1), a two-byte
 *             big-endian length, then that many bytes (fewer if the input ends first)
 * </pre>
 *
 * Repairing checksums lets the fuzzer reach the checks behind them (record types, the order of terms and indexes,
 * segment headers, truncations, hard state) instead of stopping at a checksum it cannot forge; frames after the
 * repaired ones keep whatever damage the fuzzer made.
 */
public record FuzzedDirectory(boolean repair, int repairFrames, boolean snapshot, int snapshotIndex,
                              int snapshotTerm, List<File> files) {

    public static final int MAX_FILES = 4;
    private static final int SETTINGS_BYTES = 4;

    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    /** One segment file: its sequence number and bytes. */
    public record File(long sequence, byte[] bytes) {
    }

    public static FuzzedDirectory parse(byte[] input) {
        ByteBuffer in = ByteBuffer.wrap(input);
        int flags = in.remaining() > 0 ? in.get() : 0;
        int repairFrames = in.remaining() > 0 ? in.get() & 0xFF : 0;
        int snapshotIndex = in.remaining() > 0 ? in.get() & 0xFF : 0;
        int snapshotTerm = in.remaining() > 0 ? in.get() & 0xFF : 0;
        List<File> files = new ArrayList<>();
        long sequence = 0;
        while (files.size() < MAX_FILES && in.remaining() >= 3) {
            int step = in.get() & 0xFF;
            int length = Math.min(in.getShort() & 0xFFFF, in.remaining());
            byte[] bytes = new byte[length];
            in.get(bytes);
            sequence = files.isEmpty() ? Math.max(1, step) : sequence + Math.max(1, step);
            files.add(new File(sequence, bytes));
        }
        return new FuzzedDirectory((flags & 1) != 0, repairFrames == 255 ? Integer.MAX_VALUE : repairFrames,
                (flags & 2) != 0, snapshotIndex, snapshotTerm, files);
    }

    /**
     * The input that {@link #parse} reads back as these files (consecutive sequence numbers, at most 255 for the
     * first), every checksum left as it is.
     */
    public static byte[] format(List<File> files, boolean snapshot, int snapshotIndex, int snapshotTerm) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(snapshot ? 2 : 0);
        out.write(0);
        out.write(snapshotIndex);
        out.write(snapshotTerm);
        for (int i = 0; i < files.size(); i++) {
            File file = files.get(i);
            boolean expressible = i == 0 ? file.sequence() >= 1 && file.sequence() <= 255
                    : file.sequence() == files.get(i - 1).sequence() + 1;
            if (!expressible || file.bytes().length > 0xFFFF) {
                throw new IllegalArgumentException("file " + file.sequence() + " of " + file.bytes().length
                        + " bytes cannot be written as a seed");
            }
            out.write(i == 0 ? (int) file.sequence() : 1);
            out.write(file.bytes().length >>> 8);
            out.write(file.bytes().length);
            out.writeBytes(file.bytes());
        }
        return out.toByteArray();
    }

    /** How many bytes the files hold together. */
    public long totalBytes() {
        return files.stream().mapToLong(file -> file.bytes().length).sum();
    }

    /**
     * Walks the frames of a file from its start (header of {@code headerBytes}, a length at byte 0, the payload's
     * checksum at {@code payloadCrcAt}, the header's checksum of the bytes before it at {@code headerCrcAt}) and
     * makes the checksums of the first {@link #repairFrames} frames match their bytes. A header is repaired even
     * when the length it claims runs past the file, so that a claimed length reaches the decoder.
     */
    public static void repairFrames(byte[] file, int frames, int headerBytes, int payloadCrcAt, int headerCrcAt) {
        ByteBuffer bytes = ByteBuffer.wrap(file);
        int at = 0;
        for (int frame = 0; frame < frames && at + headerBytes <= file.length; frame++) {
            int payloadLength = bytes.getInt(at);
            boolean payloadFits = payloadLength >= 0 && payloadLength <= file.length - at - headerBytes;
            if (payloadFits) {
                bytes.putInt(at + payloadCrcAt, crc(file, at + headerBytes, payloadLength));
            }
            bytes.putInt(at + headerCrcAt, crc(file, at, headerCrcAt));
            if (!payloadFits) {
                return;
            }
            at += headerBytes + payloadLength;
        }
    }

    private static int crc(byte[] bytes, int offset, int length) {
        CRC32C crc = new CRC32C();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    /** The bytes {@code load} allocates on this thread. */
    public static long allocatedBy(ThrowingRunnable load) throws Exception {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        load.run();
        return THREADS.getCurrentThreadAllocatedBytes() - before;
    }

    /**
     * Compares a seed input made by the real writer with the committed one in {@code inputs}, or writes it there
     * when {@code -Dcaucus.writeFuzzSeeds=true} is set (after a deliberate change of the on-disk format).
     */
    public static void checkSeed(Path inputs, String name, byte[] seed) throws IOException {
        Path file = inputs.resolve(name);
        if (Boolean.getBoolean("caucus.writeFuzzSeeds")) {
            Files.createDirectories(inputs);
            Files.write(file, seed);
        }
        assertThat(file).as("seed input " + name + " (regenerate with -Dcaucus.writeFuzzSeeds=true)").exists();
        assertThat(Files.readAllBytes(file)).as("seed input " + name + " is what the writer writes today"
                + " (regenerate with -Dcaucus.writeFuzzSeeds=true)").isEqualTo(seed);
    }

    /**
     * The two damaged seeds every WAL target starts from, made from what the real writer wrote: {@code oneSegment}
     * with its last 9 bytes torn off, and {@code segments} with one bit flipped in the middle of the oldest.
     */
    public static void checkDamagedSeeds(Path inputs, File oneSegment, List<File> segments) throws IOException {
        byte[] whole = oneSegment.bytes();
        List<File> torn = List.of(new File(oneSegment.sequence(), java.util.Arrays.copyOf(whole, whole.length - 9)));
        checkSeed(inputs, "torn-tail", format(torn, false, 0, 0));

        List<File> flipped = new ArrayList<>(segments);
        byte[] oldest = flipped.get(0).bytes().clone();
        oldest[oldest.length / 2] ^= 0x10;
        flipped.set(0, new File(flipped.get(0).sequence(), oldest));
        checkSeed(inputs, "bit-flip-in-older-segment", format(flipped, false, 0, 0));
    }

    public interface ThrowingRunnable {
        void run() throws Exception;
    }
}
