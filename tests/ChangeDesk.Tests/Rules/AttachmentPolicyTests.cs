using System.Text;
using ChangeDesk.Support;

namespace ChangeDesk.Tests.Rules;

public sealed class AttachmentPolicyTests
{
    const long Max = 1024;
    static readonly byte[] PngBytes = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52];
    static readonly byte[] PdfBytes = Encoding.ASCII.GetBytes("%PDF-1.7\n%âãÏÓ\n1 0 obj");
    static readonly byte[] ZipBytes = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0];
    static readonly byte[] LogBytes = Encoding.UTF8.GetBytes("2026-03-02 09:00:01 ERROR spooler: driver rejected (0x0000011b) – ünïcode ok\n");

    public static TheoryData<string, string?, byte[], string> AcceptedFiles() => new()
    {
        { "screen.png", "image/png", PngBytes, "image/png" },
        { "screen.PNG", null, PngBytes, "image/png" },
        { "photo.jpg", "image/jpg", [0xFF, 0xD8, 0xFF, 0xE0, 0, 16], "image/jpeg" },
        { "anim.gif", "image/gif", Encoding.ASCII.GetBytes("GIF89a...."), "image/gif" },
        { "report.pdf", "application/pdf", PdfBytes, "application/pdf" },
        { "logs.zip", "application/x-zip-compressed", ZipBytes, "application/zip" },
        { "spooler.log", "application/octet-stream", LogBytes, "text/plain" },
        { "notes.txt", "text/plain; charset=utf-8", LogBytes, "text/plain" },
        { "devices.csv", "application/vnd.ms-excel", Encoding.UTF8.GetBytes("device,ring\nPC-1,first\n"), "text/csv" },
        { "settings.json", "application/json", Encoding.UTF8.GetBytes("{\"a\":1}"), "application/json" },
    };

    [Theory]
    [MemberData(nameof(AcceptedFiles))]
    public void FilesWhoseContentIsWhatTheirExtensionSaysAreAcceptedWithTheCheckedType(string name, string? declared, byte[] content, string type)
    {
        var (file, refusal) = AttachmentPolicy.Check(name, declared, content, Max);

        Assert.Null(refusal);
        Assert.Equal((name, type), (file!.FileName, file.ContentType));
    }

    public static TheoryData<string, string?, byte[], string> RefusedFiles() => new()
    {
        { "setup.exe", "application/octet-stream", [0x4D, 0x5A, 0x90, 0], "cannot be attached" },
        { "page.html", "text/html", Encoding.UTF8.GetBytes("<script>alert(1)</script>"), "cannot be attached" },
        { "no-extension", null, LogBytes, "cannot be attached" },
        { "screen.png", "image/png", Encoding.UTF8.GetBytes("<svg onload=alert(1)>"), "is not image/png" },
        { "report.pdf", "application/pdf", ZipBytes, "is not application/pdf" },
        { "spooler.log", "text/plain", [0x4D, 0x5A, 0x00, 0x01], "is not text/plain" },
        { "spooler.log", "text/plain", [0xC3, 0x28], "is not text/plain" },
        { "screen.png", "text/html", PngBytes, "was sent as text/html" },
        { "empty.txt", "text/plain", [], "is empty" },
        { "big.txt", "text/plain", Encoding.ASCII.GetBytes(new string('x', (int)Max + 1)), "at most 1 KB" },
        { "  ", "text/plain", LogBytes, "needs a name" },
    };

    [Theory]
    [MemberData(nameof(RefusedFiles))]
    public void AnythingElseIsRefusedSayingWhy(string name, string? declared, byte[] content, string reason)
    {
        var (file, refusal) = AttachmentPolicy.Check(name, declared, content, Max);

        Assert.Null(file);
        Assert.Contains(reason, refusal);
    }

    [Theory]
    [InlineData("C:\\Users\\fran\\Desktop\\screen.png", "screen.png")]
    [InlineData("../../etc/passwd.txt", "passwd.txt")]
    [InlineData("bad\"name<1>.log", "badname1.log")]
    [InlineData("line\r\nbreak.txt", "linebreak.txt")]
    public void OnlyACleanFileNameIsKept(string given, string kept)
    {
        Assert.Equal(kept, AttachmentPolicy.CleanName(given));
    }

    [Fact]
    public void AnOverlongNameKeepsItsExtension()
    {
        var name = AttachmentPolicy.CleanName(new string('n', 300) + ".log");

        Assert.Equal(200, name.Length);
        Assert.EndsWith(".log", name);
    }
}
