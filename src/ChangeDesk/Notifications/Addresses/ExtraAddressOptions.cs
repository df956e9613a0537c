namespace ChangeDesk.Notifications.Addresses;

/// <summary>How extra addresses (shared mailboxes) confirm that they want a tenant's email.</summary>
public sealed class ExtraAddressOptions
{
    public const string Section = "ExtraAddresses";

    /// <summary>How long the link in a confirmation email works.</summary>
    public TimeSpan ConfirmationLinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// At most this many confirmation emails (the first one included) go to one address of a tenant per
    /// <see cref="ConfirmationPeriod"/>, so an admin cannot flood a stranger's mailbox by re-sending, nor by removing
    /// and adding the address again.
    /// </summary>
    public int MaxConfirmationEmails { get; set; } = 3;

    public TimeSpan ConfirmationPeriod { get; set; } = TimeSpan.FromHours(24);

    public ExtraAddressOptions Validated()
    {
        if (ConfirmationLinkLifetime <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:ConfirmationLinkLifetime must be positive, not {ConfirmationLinkLifetime}.");
        }
        if (MaxConfirmationEmails < 1)
        {
            throw new InvalidOperationException($"{Section}:MaxConfirmationEmails must be at least 1, not {MaxConfirmationEmails}.");
        }
        if (ConfirmationPeriod <= TimeSpan.Zero)
        {
            throw new InvalidOperationException($"{Section}:ConfirmationPeriod must be positive, not {ConfirmationPeriod}.");
        }
        return this;
    }
}
