using ChangeDesk.Approvals;
using ChangeDesk.Changes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Time.Testing;

namespace ChangeDesk.Tests.Rules;

public sealed class ApprovalLinksTests
{
    const string PublicUrl = "https://changedesk.example.test";
    static readonly DateTimeOffset Now = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    readonly FakeTimeProvider clock = new(Now);
    readonly IDataProtectionProvider keys = new EphemeralDataProtectionProvider();

    ApprovalLinks Links(IDataProtectionProvider? protection = null) =>
        new(protection ?? keys, new ServiceOptions { PublicUrl = PublicUrl + "/" }, clock);

    static string TokenOf(string link)
    {
        Assert.StartsWith($"{PublicUrl}/approvals/respond/", link);
        var token = link[$"{PublicUrl}/approvals/respond/".Length..];
        Assert.DoesNotContain('/', token);
        Assert.Equal(Uri.EscapeDataString(token), token); // safe in a path segment as it is
        return token;
    }

    [Fact]
    public void ALinkRoundTripsToItsChangeAndTenant()
    {
        var tenant = Guid.NewGuid();
        var token = TokenOf(Links().LinkFor(42, tenant, Now.AddDays(3)));

        Assert.Equal((42, tenant), Links().Read(token));
        Assert.DoesNotContain(tenant.ToString(), token); // the payload is protected, not just encoded
    }

    [Fact]
    public void ALinkIsValidUpToItsExpiryAndRefusedAfterIt()
    {
        var tenant = Guid.NewGuid();
        var token = TokenOf(Links().LinkFor(7, tenant, Now.AddDays(3)));

        clock.SetUtcNow(Now.AddDays(3));
        Assert.Equal((7, tenant), Links().Read(token));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null(Links().Read(token));
    }

    [Fact]
    public void ALinkThatExpiredBeforeItIsReadIsRefused()
    {
        var token = TokenOf(Links().LinkFor(7, Guid.NewGuid(), Now.AddMinutes(-1)));

        Assert.Null(Links().Read(token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(30)]
    public void ATamperedTokenIsRefused(int position)
    {
        var token = TokenOf(Links().LinkFor(42, Guid.NewGuid(), Now.AddDays(3)));
        var chars = token.ToCharArray();
        chars[position] = chars[position] == 'A' ? 'B' : 'A';

        Assert.Null(Links().Read(new string(chars)));
        Assert.Null(Links().Read(token[..^4]));
        Assert.Null(Links().Read(token + "AAAA"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-token")]
    [InlineData("42:00000000-0000-0000-0000-000000000000:0")]
    public void GarbageIsRefused(string token) => Assert.Null(Links().Read(token));

    [Fact]
    public void ATokenSignedWithOtherKeysOrForAnotherPurposeIsRefused()
    {
        var tenant = Guid.NewGuid();
        var foreign = TokenOf(Links(new EphemeralDataProtectionProvider()).LinkFor(42, tenant, Now.AddDays(3)));
        Assert.Null(Links().Read(foreign));

        // Same keys, another protector (say, a session cookie) with a payload of the right shape.
        var otherPurpose = keys.CreateProtector("ChangeDesk.Something.Else").Protect($"42:{tenant}:{Now.AddDays(3).UtcTicks}");
        Assert.Null(Links().Read(otherPurpose));
    }
}
