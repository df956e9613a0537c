using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Tenancy;
using ChangeDesk.Web;
using Microsoft.EntityFrameworkCore;

namespace ChangeDesk.Support;

/// <summary>
/// What reading and working a filed request share: finding it by its reference, loading it for a write, the side the
/// caller works it for, its comments and the refusal once it is closed.
/// </summary>
public static class SupportRequestAccess
{
    /// <summary>"sr-1001" or "1001" → "SR-1001"; anything else names no request.</summary>
    public static string Normalize(string reference) =>
        SupportRequest.TryParseNumber(reference, out var number) ? SupportRequest.Prefix + number : throw new NotFoundException("Support request", reference);

    public static async Task<SupportRequest> FindAsync(IQueryable<SupportRequest> requests, string reference, CancellationToken ct)
    {
        if (!SupportRequest.TryParseNumber(reference, out var number))
        {
            throw new NotFoundException("Support request", reference);
        }
        return await requests.FirstOrDefaultAsync(r => r.Number == number, ct) ?? throw new NotFoundException("Support request", reference);
    }

    /// <summary>
    /// Loads a request, tracked, inside a write: its row locked, so writers of one request queue up instead of failing
    /// on the concurrency token, and refused when If-Match names another version.
    /// </summary>
    public static async Task<SupportRequest> LoadForWriteAsync(ChangeDeskDb db, string reference, string? ifMatch, CancellationToken ct)
    {
        var request = await FindAsync(db.SupportRequests.ForUpdate(), reference, ct);
        EntityTags.CheckIfMatch(ifMatch, request.Version);
        return request;
    }

    /// <summary>The side the caller works a request for: support engineers for the provider, the filing tenant's admins for the customer.</summary>
    public static Party? WorkingParty(CurrentUser user, SupportRequest request) =>
        user.Is(Role.SupportEngineer) ? Party.Provider
        : user.Is(Role.TenantAdmin) && user.TenantId == request.TenantId ? Party.Customer
        : null;

    public static SupportComment AddComment(ChangeDeskDb db, CurrentUser user, SupportRequest request, Party party, string text, bool isInternal, DateTimeOffset now)
    {
        var comment = new SupportComment
        {
            RequestId = request.Id,
            TenantId = request.TenantId,
            IsInternal = isInternal,
            AuthorParty = party,
            AuthorId = user.Id,
            AuthorName = user.Name,
            Body = text,
            CreatedAt = now,
        };
        db.SupportComments.Add(comment);
        return comment;
    }

    public static ConflictException Closed(SupportRequest request) =>
        new("request-closed", $"{request.Reference} is closed. If the problem is back, file a new request and mention {request.Reference}.");
}
