using ChangeDesk.Audit;
using ChangeDesk.Data;
using ChangeDesk.Responsibility;
using ChangeDesk.Web;

namespace ChangeDesk.Support;

/// <summary>How badly the problem hurts: A critical (business stopped), B high (badly degraded), C normal.</summary>
public enum SupportSeverity
{
    A,
    B,
    C,
}

public enum SupportState
{
    New,
    InProgress,
    WaitingOnCustomer,
    Resolved,
    Closed,
}

/// <summary>
/// A break/fix request a tenant files against the managed service, usually linked to the change or release
/// that broke something. The provider's support engineers work it; its number ("SR-" + number) is what people
/// quote.
/// </summary>
public sealed class SupportRequest : IAudited, IVersioned
{
    public const string Prefix = "SR-";

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public int Number { get; init; }
    public Guid TenantId { get; init; }
    public required string Title { get; set; }
    public string Description { get; set; } = "";
    public SupportSeverity Severity { get; set; }
    public int AffectedUsers { get; set; }
    public int? ChangeId { get; set; }

    /// <summary>The release the problem is reported against; the release signals count requests per tenant and release.</summary>
    public Guid? ReleaseId { get; set; }

    public required string ContactName { get; set; }
    public required string ContactEmail { get; set; }
    public string? ContactPhone { get; set; }

    /// <summary>Moves only through <see cref="Take"/>, <see cref="CustomerCommented"/> and <see cref="AutoClose"/>.</summary>
    public SupportState State { get; private set; } = SupportState.New;
    public Guid? AssigneeId { get; set; }
    public string? AssigneeName { get; set; }

    public Guid CreatedById { get; init; }
    public required string CreatedByName { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>When the provider must have answered, from the severity's target at filing time.</summary>
    public DateTimeOffset FirstResponseDueAt { get; init; }

    /// <summary>The provider's first public comment or first move out of New.</summary>
    public DateTimeOffset? FirstResponseAt { get; set; }

    public DateTimeOffset? ResolvedAt { get; set; }
    public DateTimeOffset? ClosedAt { get; set; }

    /// <summary>Incremented on every write the tenant can see; the ETag and the concurrency token.</summary>
    public int Version { get; set; } = 1;

    public List<SupportComment> Comments { get; set; } = [];

    public string Reference => Prefix + Number;

    /// <summary>"SR-1001", "sr-1001" or "1001" → 1001.</summary>
    public static bool TryParseNumber(string? reference, out int number)
    {
        var text = reference?.Trim() ?? "";
        if (text.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            text = text[Prefix.Length..];
        }
        return int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out number) && number > 0;
    }

    /// <summary>
    /// Takes a lifecycle step <see cref="SupportStateMachine"/> allows the side, with its dates, and returns the state
    /// it left; refuses (<c>409 invalid-transition</c>, naming the allowed actions) a step not allowed from here.
    /// </summary>
    public SupportState Take(SupportAction action, Party by, DateTimeOffset now)
    {
        var before = State;
        if (!SupportStateMachine.TryNext(State, action, by, out var next))
        {
            var allowed = SupportStateMachine.AllowedFrom(State, by);
            throw new ConflictException("invalid-transition",
                $"{Reference} is {EnumNames.Of(State)}: it cannot {EnumNames.Of(action)}. "
                + (allowed.Count == 0 ? "Your side has no action from this state." : $"Allowed now: {string.Join(", ", allowed.Select(EnumNames.Of))}."))
            {
                Extensions = { ["currentState"] = EnumNames.Of(State), ["allowedActions"] = allowed.Select(EnumNames.Of).ToArray() },
            };
        }
        State = next;
        switch (action)
        {
            case SupportAction.Resolve:
                ResolvedAt = now;
                break;
            case SupportAction.Reopen:
                ResolvedAt = null;
                break;
            case SupportAction.Close:
                ClosedAt = now;
                break;
        }
        return before;
    }

    /// <summary>A customer's comment hands a request that waited on the customer back to support.</summary>
    public void CustomerCommented() => State = SupportStateMachine.AfterCustomerComment(State);

    /// <summary>Closes a request resolved long enough ago, as if the customer had closed it.</summary>
    public void AutoClose(DateTimeOffset now)
    {
        State = SupportState.Closed;
        ClosedAt = now;
    }

    /// <summary>Records a write the tenant can see: a new version (and ETag) and the time of the change.</summary>
    public void Touch(DateTimeOffset now)
    {
        // Counted here rather than left to the save: a comment changes no column of the request, yet is a new version.
        Version++;
        UpdatedAt = now;
    }

    Guid? IAudited.AuditTenantId => TenantId;
    int? IAudited.AuditChangeId => ChangeId;
}

/// <summary>A comment on a request. Internal notes are the provider's own and never reach the tenant.</summary>
public sealed class SupportComment : IAudited
{
    public const int MaxBody = 20_000;

    public Guid Id { get; init; } = Guid.CreateVersion7();
    public Guid RequestId { get; init; }
    public Guid TenantId { get; init; }
    public bool IsInternal { get; init; }
    public Party AuthorParty { get; init; }
    public Guid? AuthorId { get; init; }
    public required string AuthorName { get; init; }
    public required string Body { get; init; }
    public DateTimeOffset CreatedAt { get; init; }

    // An internal note is recorded as provider data: tenants read their own tenant's audit records.
    Guid? IAudited.AuditTenantId => IsInternal ? null : TenantId;
    int? IAudited.AuditChangeId => null;
}
