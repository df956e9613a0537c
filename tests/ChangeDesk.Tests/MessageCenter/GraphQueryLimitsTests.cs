using System.Net.Http.Json;
using System.Text.Json;
using ChangeDesk.MessageCenter;
using ChangeDesk.Tenancy;
using ChangeDesk.Tests.Support;

namespace ChangeDesk.Tests.MessageCenter;

/// <summary>
/// What a Graph query may hold: characters a database can store, and sizes with a stated limit. Each refusal is a
/// 400 invalidRequest in Graph's error shape whose message names the limit, never a 500 from the database.
/// </summary>
public sealed class GraphQueryLimitsTests(ChangeDeskFactory app) : IClassFixture<ChangeDeskFactory>
{
    static CancellationToken Ct => TestContext.Current.CancellationToken;

    const string Messages = "/graph/v1.0/admin/serviceAnnouncement/messages";

    static async Task<string> InvalidRequestAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(400 == (int)response.StatusCode, $"{(int)response.StatusCode}: {body}");
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal("invalidRequest", error.GetProperty("code").GetString());
        Assert.True(error.GetProperty("innerError").TryGetProperty("request-id", out _));
        return error.GetProperty("message").GetString()!;
    }

    static string Repeat(string text, int times, string separator) => string.Join(separator, Enumerable.Repeat(text, times));

    [Theory]
    [InlineData("$filter=title eq 'Printer%00console'", "$filter")]
    [InlineData("$filter=contains(title,'%00')", "$filter")]
    [InlineData("$filter=services/any(s:s eq 'Windows%00')", "$filter")]
    [InlineData("$orderby=title%00", "$orderby")]
    [InlineData("$select=title,%00", "$select")]
    [InlineData("$top=1%00", "$top")]
    public async Task ANulInAQueryOptionIsInvalidRequestNamingTheOption(string query, string option)
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        await app.AnnounceAsync(await app.CreateUserAsync(Role.ReleaseManager), new ChangeSpec { Title = "Printer console" }, tenant.Id);

        foreach (var path in new[] { Messages, Messages + "/$count" })
        {
            var message = await InvalidRequestAsync(await admin.Client.GetAsync($"{path}?{query}", Ct));
            Assert.Contains(option, message);
            Assert.Contains("U+0000", message);
        }
    }

    [Fact]
    public async Task ANulOrAnOverlongMessageIdIsInvalidRequestAndChangesNothing()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var change = await app.AnnounceAsync(await app.CreateUserAsync(Role.ReleaseManager), new ChangeSpec { Title = "Printer console" }, tenant.Id);

        // (A NUL in the path itself never reaches the endpoint: the server refuses such a path.)
        var overlong = "MC" + new string('1', MessageOData.MaxIdLength);
        Assert.Contains($"at most {MessageOData.MaxIdLength}", await InvalidRequestAsync(await admin.Client.GetAsync($"{Messages}/{overlong}", Ct)));
        var marked = await admin.PostJsonAsync($"{Messages}/markRead", new { messageIds = new[] { change.MessageId, change.MessageId + "\0" } });
        Assert.Contains("U+0000", await InvalidRequestAsync(marked));

        var page = await admin.GetJsonAsync<JsonElement>($"{Messages}?$filter=id eq '{change.MessageId}'");
        Assert.False(page.GetProperty("value")[0].GetProperty("viewPoint").GetProperty("isRead").GetBoolean());
    }

    [Fact]
    public async Task AFilterUpToTheLengthLimitWorksAndOneCharacterMoreIsRefused()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var title = "Printer " + new string('x', 100);
        var change = await app.AnnounceAsync(await app.CreateUserAsync(Role.ReleaseManager), new ChangeSpec { Title = title }, tenant.Id);
        // title eq '…' or title eq '…' … padded with spaces to exactly the limit.
        var filter = $"title eq '{title}' or " + Repeat($"title eq 'Other {new string('y', 100)}'", 30, " or ");
        filter = filter.PadRight(MessageOData.MaxFilterLength);
        Assert.Equal(MessageOData.MaxFilterLength, filter.Length);

        var page = await admin.GetJsonAsync<JsonElement>($"{Messages}?$filter={Uri.EscapeDataString(filter)}");
        Assert.Equal(change.MessageId, Assert.Single(page.GetProperty("value").EnumerateArray()).GetProperty("id").GetString());

        var message = await InvalidRequestAsync(await admin.Client.GetAsync($"{Messages}?$filter={Uri.EscapeDataString(filter + " ")}", Ct));
        Assert.Contains("$filter", message);
        Assert.Contains($"at most {MessageOData.MaxFilterLength}", message);
    }

    [Fact]
    public async Task AFilterWithTooManyNodesIsRefusedNamingTheLimit()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        // 100 comparisons joined by or: 299 nodes; and an in list of 201 ids.
        var wide = Repeat("severity eq 'high'", 100, " or ");
        var list = "id in (" + string.Join(",", Enumerable.Range(100_000, 201).Select(i => $"'MC{i}'")) + ")";

        foreach (var filter in new[] { wide, list })
        {
            var message = await InvalidRequestAsync(await admin.Client.GetAsync($"{Messages}?$filter={Uri.EscapeDataString(filter)}", Ct));
            Assert.Contains($"more than {MessageOData.MaxFilterNodes} nodes", message);
        }
    }

    [Fact]
    public async Task AFilterNestedTooDeeplyIsRefusedButALongListOfAlternativesIsNot()
    {
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var change = await app.AnnounceAsync(await app.CreateUserAsync(Role.ReleaseManager),
            new ChangeSpec { Title = "Major printer change", IsMajorChange = true }, tenant.Id);

        // Eleven nots: thirteen levels with the comparison and its property.
        var deep = Repeat("not(", 11, "") + "isMajorChange eq false" + new string(')', 11);
        var message = await InvalidRequestAsync(await admin.Client.GetAsync($"{Messages}?$filter={Uri.EscapeDataString(deep)}", Ct));
        Assert.Contains($"more than {MessageOData.MaxFilterDepth} levels", message);

        // Nine nots are fine.
        var nine = Repeat("not(", 9, "") + "isMajorChange eq false" + new string(')', 9);
        var page = await admin.GetJsonAsync<JsonElement>($"{Messages}?$filter={Uri.EscapeDataString(nine)}");
        Assert.Equal(change.MessageId, Assert.Single(page.GetProperty("value").EnumerateArray()).GetProperty("id").GetString());

        // Parentheses nested past the parser's own recursion limit get the same kind of answer.
        var parenthesised = new string('(', 900) + "isMajorChange eq true" + new string(')', 900);
        Assert.Contains("nested too deeply", await InvalidRequestAsync(
            await admin.Client.GetAsync($"{Messages}?$filter={Uri.EscapeDataString(parenthesised)}", Ct)));

        // Forty alternatives (159 nodes) are wide, not deep: one level for the run of or.
        var alternatives = Repeat("severity eq 'critical'", 39, " or ") + " or isMajorChange eq true";
        page = await admin.GetJsonAsync<JsonElement>($"{Messages}?$filter={Uri.EscapeDataString(alternatives)}");
        Assert.Equal(change.MessageId, Assert.Single(page.GetProperty("value").EnumerateArray()).GetProperty("id").GetString());
    }

    [Theory]
    [InlineData("$orderby=title,id,severity,category,startDateTime,endDateTime,lastModifiedDateTime,actionRequiredByDateTime,isMajorChange",
        "at most 8 are allowed")]
    [InlineData("$top=-1", "$top query option requires a non-negative integer")]
    [InlineData("$skip=-1", "$skip query option requires a non-negative integer")]
    [InlineData("$top=9223372036854775808", "$top")]
    public async Task OrderByTopAndSkipOutsideTheirLimitsAreRefusedNamingTheLimit(string query, string named)
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();

        Assert.Contains(named, await InvalidRequestAsync(await admin.Client.GetAsync($"{Messages}?{query}", Ct)));
    }

    [Fact]
    public async Task OverlongOrderBySelectAndTopAreRefusedNamingTheLimit()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var cases = new (string Query, string Named)[]
        {
            ("$orderby=" + Repeat("title", 90, ","), $"$orderby is 539 characters long; at most {MessageOData.MaxOrderByLength}"),
            ("$select=" + Repeat("title", 90, ","), $"$select is 539 characters long; at most {MessageOData.MaxSelectLength}"),
            ("$top=" + new string('0', 70) + "1", $"$top is 71 characters long; at most {MessageOData.MaxOtherOptionLength}"),
        };
        foreach (var (query, named) in cases)
        {
            Assert.Contains(named, await InvalidRequestAsync(await admin.Client.GetAsync($"{Messages}?{query}", Ct)));
        }
    }

    [Fact]
    public async Task EveryLiteralKindStillFindsItsMessage()
    {
        // The literals travel as parameters; each kind must still compare as it did when it was written into the SQL.
        var (tenant, admin) = await app.CreateTenantWithAdminAsync();
        var rm = await app.CreateUserAsync(Role.ReleaseManager);
        var start = app.Clock.GetUtcNow().AddDays(9);
        var change = await app.AnnounceAsync(rm, new ChangeSpec
        {
            Title = "It's 100% _done_ [now]",
            StartIn = TimeSpan.FromDays(9),
            Severity = "critical",
            IsMajorChange = true,
            Services = ["Microsoft Edge"],
            Tags = ["Data privacy"],
        }, tenant.Id);
        // Matches the first's contains/startswith/endswith patterns only if %, _ or [ ] were wildcards.
        await app.AnnounceAsync(rm, new ChangeSpec { Title = "Alpha 1000 xdonex (now)", StartIn = TimeSpan.FromDays(20) }, tenant.Id);

        foreach (var filter in new[]
        {
            "title eq 'It''s 100% _done_ [now]'",
            "contains(title,'100%')",
            "contains(title,'_done_')",
            "startswith(title,'It''s 100%')",
            "endswith(title,'[now]')",
            "title gt 'B'",
            "isMajorChange eq true and severity in ('critical','high')",
            $"startDateTime le {start.AddSeconds(1).UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} and startDateTime ge {start.UtcDateTime.Date:yyyy-MM-dd}",
            "services/any(s:s eq 'Microsoft Edge') and tags/any(t:t eq 'Data privacy')",
            $"id in ('{change.MessageId}')",
        })
        {
            var page = await admin.GetJsonAsync<JsonElement>($"{Messages}?$filter={Uri.EscapeDataString(filter)}");
            var found = page.GetProperty("value").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
            Assert.True(found.SequenceEqual([change.MessageId]), $"{filter}: {string.Join(", ", found)}");
        }
    }

    [Fact]
    public void CharactersNoColumnCanHoldAreRefused()
    {
        // Built in code: a lone surrogate cannot be written into an attribute's UTF-8 metadata.
        var cases = new (string Value, string Named)[]
        {
            ("title eq 'a\0b'", "U+0000 (NUL) at position 12"),
            ("title eq '" + '\uD800' + "'", "half of a surrogate pair (U+D800) at position 11"),
            ("title eq 'b" + '\uDC00' + "'", "half of a surrogate pair (U+DC00) at position 12"),
            ("title eq '" + '\uD83D' + "x'", "half of a surrogate pair (U+D83D) at position 11"),
        };
        foreach (var (value, named) in cases)
        {
            var error = Assert.Throws<GraphException>(() => MessageOData.Checked("$filter", value, MessageOData.MaxFilterLength));
            Assert.Equal(400, error.Status);
            Assert.Equal("invalidRequest", error.Code);
            Assert.Contains(named, error.Message);
        }
    }

    [Fact]
    public void ACompleteSurrogatePairIsACharacterLikeAnyOther() =>
        Assert.Equal("title eq '🖨'", MessageOData.Checked("$filter", "title eq '🖨'", MessageOData.MaxFilterLength));

    [Fact]
    public async Task ABodyOverTheLimitOrOfAnUnknownCharsetIsRefusedWithAGraphCodeNotAGeneralException()
    {
        var (_, admin) = await app.CreateTenantWithAdminAsync();
        var ids = string.Join(",", Enumerable.Repeat("\"MC1000\"", 200_000));
        var huge = new StringContent($"{{\"messageIds\":[{ids}]}}", System.Text.Encoding.UTF8, "application/json");
        var bogus = new StringContent("""{"messageIds":["MC1000"]}""");
        bogus.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse("application/json; charset=bogus");

        var tooLarge = await admin.Client.PostAsync($"{Messages}/markRead", huge, Ct);
        var unsupported = await admin.Client.PostAsync($"{Messages}/markRead", bogus, Ct);

        Assert.Equal((413, "invalidRequest"), ((int)tooLarge.StatusCode, await GraphCodeAsync(tooLarge)));
        Assert.Equal((415, "notSupported"), ((int)unsupported.StatusCode, await GraphCodeAsync(unsupported)));
    }

    static async Task<string?> GraphCodeAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("error").GetProperty("code").GetString();
}
