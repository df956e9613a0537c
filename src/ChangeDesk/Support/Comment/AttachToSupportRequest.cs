using ChangeDesk.Data;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// Attaches a file for both sides to see; the people who may comment may attach. The file is checked against
/// <see cref="AttachmentPolicy"/> and the limits of <see cref="SupportOptions"/>.
/// </summary>
public sealed class AttachToSupportRequest(ChangeDeskDb db, CurrentUser user, TimeProvider clock, SupportOptions options, SupportRequestReader reader)
{
    public long MaxBytes => options.MaxAttachmentBytes;

    public async Task<SupportRequestView> HandleAsync(string reference, IFormFile file, CancellationToken ct = default)
    {
        var content = await ReadAsync(file, options.MaxAttachmentBytes, ct);
        var number = SupportRequestAccess.Normalize(reference);
        await db.WriteAsync($"Attach {AttachmentPolicy.CleanName(file.FileName)} to {number}", async () =>
        {
            var request = await SupportRequestAccess.LoadForWriteAsync(db, number, null, ct);
            var now = clock.GetUtcNow();
            var party = SupportRequestAccess.WorkingParty(user, request) ?? throw new ForbiddenException(
                "Files are attached by the provider's support engineers and the tenant's admins; your role reads only.");
            if (!SupportStateMachine.TakesComments(request.State))
            {
                throw SupportRequestAccess.Closed(request);
            }
            var (accepted, refusal) = AttachmentPolicy.Check(file.FileName, file.ContentType, content, options.MaxAttachmentBytes);
            if (accepted is null)
            {
                throw ValidationFailedException.For("file", refusal!);
            }
            if (await db.SupportAttachments.CountAsync(a => a.RequestId == request.Id, ct) >= options.MaxAttachmentsPerRequest)
            {
                throw new ConflictException("too-many-attachments",
                    $"{request.Reference} already has {options.MaxAttachmentsPerRequest} attachments, the most a request may have: put further files in a ZIP archive.");
            }
            db.SupportAttachments.Add(new SupportAttachment
            {
                RequestId = request.Id,
                TenantId = request.TenantId,
                FileName = accepted.FileName,
                ContentType = accepted.ContentType,
                Size = content.LongLength,
                Content = content,
                UploadedByParty = party,
                UploadedById = user.Id,
                UploadedByName = user.Name,
                UploadedAt = now,
            });
            request.Touch(now);
        }, ct);
        return await reader.GetAsync(number, ct);
    }

    /// <summary>Refuses a file over the limit before reading it; reads at most one byte past the limit whatever the upload claims.</summary>
    static async Task<byte[]> ReadAsync(IFormFile file, long maxBytes, CancellationToken ct)
    {
        if (file.Length > maxBytes)
        {
            throw ValidationFailedException.For("file",
                $"{AttachmentPolicy.CleanName(file.FileName)} is {AttachmentPolicy.Describe(file.Length)}; attachments may be at most {AttachmentPolicy.Describe(maxBytes)}.");
        }
        await using var stream = file.OpenReadStream();
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await stream.ReadAsync(chunk, ct)) > 0 && buffer.Length <= maxBytes)
        {
            buffer.Write(chunk, 0, (int)Math.Min(read, maxBytes + 1 - buffer.Length));
        }
        return buffer.ToArray();
    }
}
