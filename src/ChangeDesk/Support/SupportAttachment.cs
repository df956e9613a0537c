using System.Text;
using ChangeDesk.Audit;
using ChangeDesk.Responsibility;

namespace ChangeDesk.Support;

/// <summary>A file attached to a request (a screenshot, a log), kept in the database with the request.</summary>
public sealed class SupportAttachment : IAudited
{
    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid RequestId { get; init; }
    public Guid TenantId { get; init; }
    public required string FileName { get; init; }

    /// <summary>The type the content was checked to be, not the one the uploader claimed.</summary>
    public required string ContentType { get; init; }

    public long Size { get; init; }

    [NotAudited]
    public required byte[] Content { get; init; }

    public Party UploadedByParty { get; init; }
    public Guid? UploadedById { get; init; }
    public required string UploadedByName { get; init; }
    public DateTimeOffset UploadedAt { get; init; }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => null;
}

/// <summary>
/// Which files may be attached: the kinds people send with a break/fix report (screenshots, PDFs, logs and
/// text exports, zipped diagnostics). The extension decides the type; the content must be of that type (the
/// file signature of images, PDFs and ZIP archives; UTF-8 without NUL bytes for text), and a type the
/// uploader declares must agree. So a file is stored and served only as what it really is.
/// </summary>
public static class AttachmentPolicy
{
    public const string OctetStream = "application/octet-stream";

    sealed record Kind(string ContentType, string[] Aliases, Func<byte[], bool> Matches);

    static readonly Kind Png = new("image/png", [], b => StartsWith(b, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]));
    static readonly Kind Jpeg = new("image/jpeg", ["image/jpg", "image/pjpeg"], b => StartsWith(b, [0xFF, 0xD8, 0xFF]));
    static readonly Kind Gif = new("image/gif", [], b => StartsWith(b, "GIF87a"u8.ToArray()) || StartsWith(b, "GIF89a"u8.ToArray()));
    static readonly Kind Pdf = new("application/pdf", ["application/x-pdf"], b => StartsWith(b, "%PDF-"u8.ToArray()));
    static readonly Kind Zip = new("application/zip", ["application/x-zip-compressed", "application/x-zip"], b => StartsWith(b, [0x50, 0x4B, 0x03, 0x04]));
    static readonly Kind Text = new("text/plain", ["text/x-log"], IsText);
    static readonly Kind Csv = new("text/csv", ["application/vnd.ms-excel", "text/plain"], IsText);
    static readonly Kind Json = new("application/json", ["text/json", "text/plain"], IsText);

    static readonly Dictionary<string, Kind> ByExtension = new(StringComparer.OrdinalIgnoreCase)
    {
        [".png"] = Png,
        [".jpg"] = Jpeg,
        [".jpeg"] = Jpeg,
        [".gif"] = Gif,
        [".pdf"] = Pdf,
        [".zip"] = Zip,
        [".txt"] = Text,
        [".log"] = Text,
        [".csv"] = Csv,
        [".json"] = Json,
    };

    public static string Extensions => string.Join(", ", ByExtension.Keys);

    public sealed record Accepted(string FileName, string ContentType);

    /// <summary>Checks a file; returns its clean name and verified type, or the reason it is refused.</summary>
    public static (Accepted? File, string? Refusal) Check(string? fileName, string? declaredType, byte[] content, long maxBytes)
    {
        var name = CleanName(fileName);
        if (name.Length == 0)
        {
            return (null, "The file needs a name.");
        }
        if (content.LongLength == 0)
        {
            return (null, $"{name} is empty.");
        }
        if (content.LongLength > maxBytes)
        {
            return (null, $"{name} is {Describe(content.LongLength)}; attachments may be at most {Describe(maxBytes)}.");
        }
        if (!ByExtension.TryGetValue(Path.GetExtension(name), out var kind))
        {
            return (null, $"{name} cannot be attached: attach screenshots, documents, logs or archives ({Extensions}).");
        }
        var declared = declaredType?.Split(';')[0].Trim().ToLowerInvariant() ?? "";
        if (declared.Length > 0 && declared != OctetStream && declared != kind.ContentType && !kind.Aliases.Contains(declared))
        {
            return (null, $"{name} was sent as {declared}, which does not fit its extension ({kind.ContentType}).");
        }
        if (!kind.Matches(content))
        {
            return (null, $"The content of {name} is not {kind.ContentType}: the file may be damaged or renamed.");
        }
        return (new Accepted(name, kind.ContentType), null);
    }

    /// <summary>The last path segment, without control characters or quotes, at most 200 characters (keeping the extension).</summary>
    public static string CleanName(string? fileName)
    {
        var last = (fileName ?? "").Replace('\\', '/').Split('/')[^1];
        var clean = new string(last.Where(c => !char.IsControl(c) && c is not ('"' or '<' or '>' or '|' or ':' or '*' or '?')).ToArray()).Trim().Trim('.');
        if (clean.Length <= 200)
        {
            return clean;
        }
        var extension = Path.GetExtension(clean);
        return clean[..(200 - extension.Length)] + extension;
    }

    public static string Describe(long bytes) => bytes switch
    {
        >= 1024 * 1024 => $"{bytes / (1024.0 * 1024.0):0.#} MB",
        >= 1024 => $"{bytes / 1024.0:0.#} KB",
        _ => $"{bytes} bytes",
    };

    static bool StartsWith(byte[] content, byte[] signature) => content.AsSpan().StartsWith(signature);

    static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static bool IsText(byte[] content)
    {
        if (Array.IndexOf(content, (byte)0) >= 0)
        {
            return false;
        }
        try
        {
            StrictUtf8.GetCharCount(content);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }
}
