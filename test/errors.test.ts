/**
 * The error pipeline (lib/errors.ts → scripts/gitgus.ts): citty's own errors by class name (exit 2),
 * coded GitgusErrors (exit 1, --json keeps every problem's code), anything unexpected (an ENOENT from deep
 * inside, an InternalError) as a bug: the stack, "this is a bug", exit 70. Tests assert codes, not prose;
 * the --json shapes and the main refusal texts are pinned by inline snapshots.
 */
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { ERROR_CODES, GitgusError, InternalError, kindOf, type ErrorCode } from '../lib/errors.ts';
import { cleanupTemps, makeSmallHelpdesk, runGitgus } from './helpers.ts';

const injected: { error: Error | undefined } = vi.hoisted(() => ({ error: undefined }));
vi.mock('../lib/store/load.ts', async (importOriginal) => {
  const original = await importOriginal<typeof import('../lib/store/load.ts')>();
  return {
    ...original,
    loadSettings: (root: string) => {
      if (injected.error !== undefined) throw injected.error;
      return original.loadSettings(root);
    },
  };
});

const { runCli } = await import('../scripts/gitgus.ts');

afterAll(cleanupTemps);
afterEach(() => {
  injected.error = undefined;
  vi.restoreAllMocks();
});

/** Runs the CLI in-process, capturing what it prints. */
async function cli(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  const status = await runCli(args);
  vi.restoreAllMocks();
  return { status, stdout, stderr };
}

function systemError(code: string): Error {
  return Object.assign(new Error(`${code}: simulated failure, open 'helpdesk.yml'`), { code, errno: -2, syscall: 'open' });
}

describe('the error pipeline', () => {
  it.each(['ENOENT', 'EACCES', 'EISDIR'])('an unexpected %s is a bug: stack, "this is a bug", exit 70 (not a usage error)', async (code) => {
    const { dir } = makeSmallHelpdesk();
    injected.error = systemError(code);
    const result = await cli(['check', '--root', dir]);
    expect(result.status).toBe(70);
    expect(result.stderr).toContain('this is a bug in gitgus');
    expect(result.stderr).toMatch(/\n\s+at /);
    expect(result.stderr).not.toContain('see gitgus --help');
  });

  it('an InternalError is a bug too (exit 70), and --json says E_INTERNAL', async () => {
    const { dir } = makeSmallHelpdesk();
    injected.error = new InternalError('an invariant broke');
    const result = await cli(['check', '--root', dir, '--json']);
    expect(result.status).toBe(70);
    expect(JSON.parse(result.stdout)).toEqual({ ok: false, error: { code: 'E_INTERNAL', message: 'an invariant broke' } });
    expect(result.stderr).toContain('this is a bug in gitgus');
  });

  it("citty's own argument errors are usage errors: exit 2 and the command's help", async () => {
    const result = await cli(['show']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('see gitgus show --help');
    const json = await cli(['show', '--json']);
    expect((JSON.parse(json.stdout) as { error: { code: ErrorCode } }).error.code).toBe('E_ARGUMENT');
  });

  it('a coded error of the input exits 1 with its code', async () => {
    const { dir } = makeSmallHelpdesk();
    injected.error = new GitgusError('E_NOT_MAIN_BRANCH', 'not on main');
    const result = await cli(['check', '--root', dir, '--json']);
    expect(result.status).toBe(1);
    expect((JSON.parse(result.stdout) as { error: { code: ErrorCode } }).error.code).toBe('E_NOT_MAIN_BRANCH');
  });

  it('every code has a kind and a summary; infrastructure is a kind, not a prefix (E_GITHUB is not E_GIT)', () => {
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) {
      expect(code).toMatch(/^E_[A-Z0-9_]+$/);
      expect(ERROR_CODES[code].summary.length).toBeGreaterThan(10);
    }
    expect(kindOf('E_GIT')).toBe('infrastructure');
    expect(kindOf('E_GITHUB_REPOSITORY')).toBe('input');
    expect(kindOf('E_GIT_REF')).toBe('input');
  });
});

describe('lifecycle problems keep their codes through the CLI', () => {
  it('gitgus status … --json reports the rule broken (E_TRANSITION), not only E_VALIDATION', () => {
    const { dir, numbers } = makeSmallHelpdesk([{ status: 'new' }]);
    const result = runGitgus(['status', String(numbers[0]), 'verified', '--root', dir, '--actor', 'tpm-shifter@grid.example', '--json']);
    expect(result.status).toBe(1);
    const error = (JSON.parse(result.stdout) as { error: { code: ErrorCode; problems: { code: ErrorCode; file: string; field?: string }[] } }).error;
    expect(error.code).toBe('E_VALIDATION');
    expect(error.problems.map((problem) => problem.code)).toContain('E_TRANSITION');
    expect(error.problems.every((problem) => problem.code in ERROR_CODES && problem.file === 'tickets/1/1001/index.md')).toBe(true);
  });
});

describe('pinned texts', () => {
  it("every command's --help", async () => {
    const { COMMANDS } = await import('../scripts/gitgus.ts');
    const helps: Record<string, string> = {};
    for (const command of COMMANDS) helps[command] = (await cli([command, '--help'])).stdout;
    expect(Object.keys(helps).length).toBeGreaterThanOrEqual(17);
    expect(helps).toMatchInlineSnapshot(`
      {
        "assign": "Assign a ticket to a support unit (its status becomes assigned); one commit, the same change the pull-request check accepts.

      Examples:
        gitgus assign 165048 ngi-de
        gitgus assign 165048 dcache --actor tpm-shifter (gitgus assign v0.1.0)

      USAGE gitgus assign [OPTIONS] <NUMBER> <UNIT>

      ARGUMENTS

        NUMBER    Ticket number (Required)             
          UNIT    Unit id (a file in units/) (Required)

      OPTIONS

         --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
               --json    Print machine-readable JSON on standard output (Default: false)             
        --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)        

      ",
        "build": "Build a helpdesk's static support site: queue, units, ticket pages, reports, feeds, exports and the search index.

      Examples:
        gitgus build
        gitgus build --root ../helpdesk --out /srv/www/helpdesk
        gitgus build --no-search --now 2026-12-01T09:00:00Z
        gitgus build --part archive-1 --out dist-archive-1 (gitgus build v0.1.0)

      USAGE gitgus build [OPTIONS] 

      OPTIONS

                     --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)                                                   
                           --json    Print machine-readable JSON on standard output (Default: false)                                                                
                      --out=<DIR>    Output folder (default: the helpdesk's dist/)                                                                                  
                 --now=<ISO-TIME>    Time priority colours and ages are computed at (default: the helpdesk's last data commit)                                      
                    --base=<PATH>    Path the site is served under (default: the path of siteUrl in helpdesk.yml)                                                   
                         --search    Build the Pagefind search index (--no-search skips it) (Default: true)                                                         
                      --no-search                                                                                                                                   
                        --verbose    Show Astro's progress (Default: false)                                                                                         
                    --part=<NAME>    Build this site part of helpdesk.yml siteParts (its ticket pages and search) instead of the main site (default out: dist-NAME/)
        --if-changed-since=<TEXT>    With --part: build only when the part's pages changed since the build this text names (its Commit: and Code: lines)            
                     --list-parts    Print the site parts of helpdesk.yml, one "NAME OWNER/REPOSITORY" a line, and build nothing (Default: false)                   
                           --full    Render every page, even when the kept output and its manifest could be reused (Default: false)                                 

      ",
        "check": "Validate the whole helpdesk: schemas, unique numbers, shards, unit references.
      With --base, check a pull request instead: only its changes, judged for its author (lifecycle, who may change what, append-only messages, both sides of relations); annotations in GitHub Actions.

      Examples:
        gitgus check
        gitgus check --root ../our-helpdesk --json
        gitgus check --committed        # CI: the commit as checked out
        gitgus check --base origin/main --author alice-smith
        gitgus check --root ../pr --base "$BASE_SHA" --head "$HEAD_SHA" --author alice-smith --author-id 583231 (gitgus check v0.1.0)

      USAGE gitgus check [OPTIONS] 

      OPTIONS

            --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)                                
                  --json    Print machine-readable JSON on standard output (Default: false)                                             
            --base=<REF>    Check a pull request: the branch it goes into (or any commit)                                               
            --head=<REF>    With --base: the pull request commit (default HEAD); only committed objects are read, never the working tree
        --author=<LOGIN>    With --base: the pull request's author, a GitHub login (default: $GITHUB_ACTOR)                             
        --author-id=<ID>    With --base: the author's numeric GitHub id, matched against ids in units/ and administrators               
             --committed    Check the tickets as committed in HEAD, without scanning the work tree (CI)                                 

      ",
        "doctor": "Check a helpdesk checkout for what a killed writer or a hand edit can leave: a work tree under tickets/ or
      intake/ that differs from the commit, ticket numbers with gaps or twice, a Message-ID stored twice, the
      Message-ID index out of step with the tickets, stale locks and temporary packs. Exit status 1 when something is wrong.

      Examples:
        gitgus doctor
        gitgus doctor --fix        (one commit per repair of the helpdesk; checkout repairs make none)
        gitgus doctor --json (gitgus doctor v0.1.0)

      USAGE gitgus doctor [OPTIONS] 

      OPTIONS

               --fix    Repair what can be repaired, one commit per repair (Default: false)         
        --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
              --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "duplicate": "Copy a ticket to several support units (GGUS "duplicate ticket", at most 15): each copy is a new ticket assigned to its unit, cross-referenced with the original. New numbers are minted, so run it on the main branch; running it again makes no second copy.

      Examples:
        gitgus duplicate 165048 --units ngi-de,dcache
        gitgus duplicate 165048 --units ngi-it --actor tpm-shifter --json (gitgus duplicate v0.1.0)

      USAGE gitgus duplicate [OPTIONS] <NUMBER> --units=<A,B,…>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

        --units=<A,B,…>    The units to copy the ticket to, comma-separated (Required)                 
           --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
                 --json    Print machine-readable JSON on standard output (Default: false)             
          --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)        

      ",
        "github": "GitHub issue intake: an issue opened through the issue form becomes a ticket, its comments become messages,
      and the helpdesk answers on the issue (ticket number and page, public messages, the solution) once its
      commits are pushed. Token from GITHUB_TOKEN (or GITGUS_GITHUB_TOKEN), API from GITHUB_API_URL.

      Examples:
        gitgus github --event "$GITHUB_EVENT_PATH"        (in an issues / issue_comment workflow; syncs too)
        gitgus github sync                                 (catch up on everything since the cursor in intake/github.yml)
        gitgus github publish --since HEAD~5               (answer on the issues of tickets changed since a commit) (gitgus github v0.1.0)

      USAGE gitgus github [OPTIONS] [ACTION]

      ARGUMENTS

        ACTION=<sync|publish>    sync | publish (default: the --event, then a sync)

      OPTIONS

               --event=<FILE>    Webhook payload file of an issues / issue_comment event (GITHUB_EVENT_PATH)                                  
        --since=<TIME|COMMIT>    sync: read issues updated since this time instead of the cursor; publish: tickets changed after this commit  
                        --all    publish: look at every ticket from GitHub, not a range (Default: false)                                      
                       --sync    With --event: also catch up since the cursor (default true; --no-sync handles the event only) (Default: true)
                    --no-sync                                                                                                                 
                       --push    Push the commits before answering on GitHub (default: when there is an origin remote)                        
                    --publish    Answer on the issues after importing (default true) (Default: true)                                          
                 --no-publish                                                                                                                 
                 --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)                                 
                       --json    Print machine-readable JSON on standard output (Default: false)                                              

      ",
        "history": "A ticket's history as events from Git: created, routed (by which rule), assigned, status and priority changes, other fields, messages, relations — with times and actors.

      Examples:
        gitgus history 165048
        gitgus history 165048 --since origin/main~20 --json (gitgus history v0.1.0)

      USAGE gitgus history [OPTIONS] <NUMBER>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

        --since=<COMMIT>    Only commits after this one                                                 
            --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
                  --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "init": "Make a copy of gitgus your team's helpdesk: settings, a TPM and a TPM VO unit, routing rules, the issue form
      (in the repository users can open issues in), the intake schedule, a README for your users; the example
      tickets and units go. One commit. Asks on a terminal; --yes takes the defaults for what no flag gives.
      Never overwrites a helpdesk (a helpdesk.yml with real intake addresses).

      Examples:
        gitgus init                                   (in a fresh copy: "Use this template", then clone)
        gitgus init ../our-helpdesk --yes --name "Nordic Grid Helpdesk" --domain ngh.example.org
        gitgus init --yes --name "Grid Help" --domain grid.example.org --repository grid/helpdesk --tpm alice,bob (gitgus init v0.1.0)

      USAGE gitgus init [OPTIONS] [DIR]

      ARGUMENTS

        DIR=<DIR>    Make a new copy of gitgus here first (default: turn the current checkout into the helpdesk)

      OPTIONS

                                  --yes    Ask nothing: take the defaults for what no flag gives (Default: false)                                                        
                          --name=<NAME>    Name of the helpdesk                                                                                                          
                      --domain=<DOMAIN>    Mail domain: intake addresses helpdesk@ and vo-user-support@, sender noreply@                                                 
              --helpdesk-address=<ADDR>    General intake address (default helpdesk@DOMAIN)                                                                              
                    --vo-address=<ADDR>    VO user support intake address (default vo-user-support@DOMAIN)                                                               
                        --sender=<ADDR>    From address of notifications (default noreply@DOMAIN)                                                                        
                            --tag=<TAG>    Subject tag with {number} (default: the initials of the name, "[GH #{number}]")                                               
                       --site-url=<URL>    Public site (default: the repository's GitHub Pages address)                                                                  
              --repository=<OWNER/NAME>    GitHub repository of the helpdesk, owner/name (default: the origin remote)                                                    
                               --public    The repository is public: users open issues in it (default: private)                                                          
        --issue-repository=<OWNER/NAME>    Private helpdesk: the public companion repository for issues (default OWNER/NAME-issues)                                      
                     --first-number=<N>    First ticket number (default 1)                                                                                               
                           --tpm=<LIST>    TPM members: GitHub logins or mail addresses, comma-separated                                                                 
                        --tpm-vo=<LIST>    TPM VO support members, comma-separated                                                                                       
                      --tpm-list=<ADDR>    TPM mailing list (default tpm@DOMAIN)                                                                                         
                   --tpm-vo-list=<ADDR>    TPM VO mailing list (default tpm-vo@DOMAIN)                                                                                   
                  --authserv-ids=<LIST>    authserv-ids of your receiving mail servers: the only Authentication-Results believed (none: no mail changes a ticket's state)
                        --admins=<LIST>    GitHub logins allowed to change units, routing and settings (default: the TPM logins)                                         
                           --vos=<LIST>    Known VOs, comma-separated                                                                                                    
                      --timezone=<ZONE>    Time zone of TPM and TPM VO office hours (default UTC)                                                                        
                   --intake-every=<MIN>    Minutes between mail intake runs: 5, 10, 15, 20, 30, 60, 120, 180, 360 (default 60 private, 5 public)                         
                           --root=<DIR>    Checkout to turn into the helpdesk (default: the current folder)                                                              
                                 --json    Print machine-readable JSON on standard output (Default: false)                                                               

      ",
        "intake": "Turn inbound mail into tickets and messages: one commit per message; auto-replies, bounces, list mail,
      our own mail and spam are recorded in intake/ and never answered; what cannot be processed is quarantined.

      Examples:
        gitgus intake < message.eml                                   (as an MTA pipe)
        gitgus intake --recipient vo-user-support@ggus.example msg.eml
        gitgus intake --mbox archive.mbox --json
        gitgus intake --maildir ~/Maildir
        GITGUS_IMAP_PASSWORD=… gitgus intake --imap imaps://helpdesk@mail.example/INBOX
        gitgus intake --reindex                                      (rebuild the Message-ID index)

      Exit status: 0 done; 1 refused input or a failure; 75 (EX_TEMPFAIL) try again later — other writers
      kept the push refused until the time bound (GITGUS_PUSH_DEADLINE_SECONDS, default 300), or another
      gitgus writer holds this checkout; nothing was lost and unpushed mail stays unacknowledged at its source. (gitgus intake v0.1.0)

      USAGE gitgus intake [OPTIONS] [FILE]

      ARGUMENTS

        FILE    Raw RFC 822 message files (default: standard input)

      OPTIONS

        --recipient=<ADDR>    Envelope recipient (what an MTA pipe knows); default: Delivered-To / X-Original-To / To / Cc                                                                       
             --mbox=<FILE>    Read every message of an mbox file                                                                                                                                 
           --maildir=<DIR>    Read new and unseen messages of a Maildir; marks them seen (S) once committed                                                                                      
              --imap=<URL>    Poll an IMAP mailbox, imap[s]://user[:password]@host[:port]/MAILBOX (password also from GITGUS_IMAP_PASSWORD); marks messages processed once their commits are safe
                    --push    Push to origin before acknowledging messages (default: when there is a remote and the source acknowledges)                                                         
          --chunk-size=<N>    Messages per push and acknowledgement (default 200); a refused push retries it on the new tip                                                                      
                 --reindex    Rebuild the Message-ID index and highest ticket number from the tickets, then stop (Default: false)                                                                
              --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)                                                                                       
                    --json    Print machine-readable JSON on standard output (Default: false)                                                                                                    

      ",
        "interface": "A unit's interface to its own helpdesk (units/<id>.md interface:). Mails go out with gitgus notify and come back through gitgus intake. (gitgus interface v0.1.0)

      USAGE gitgus interface status

      COMMANDS

        status    Which tickets are linked to a unit's own helpdesk, when each last synced each way, and what is pending or failed and why.

      Examples:
        gitgus interface status ngi-cz
        gitgus interface status ngi-cz --json

      Use gitgus interface <command> --help for more information about a command.
      ",
        "list": "List tickets, newest first, filtered by status, unit, VO, priority, type or site.

      Examples:
        gitgus list --status open
        gitgus list --unit ngi-de --status "in progress,waiting for reply"
        gitgus list --vo cms --priority "very urgent" --json (gitgus list v0.1.0)

      USAGE gitgus list [OPTIONS] 

      OPTIONS

             --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
                   --json    Print machine-readable JSON on standard output (Default: false)             
          --status=<LIST>    Statuses, comma-separated; "open" and "closed" name the meta-statuses       
            --unit=<LIST>    Responsible unit ids, comma-separated                                       
              --vo=<LIST>    VOs, comma-separated                                                        
        --priority=<LIST>    Priorities, comma-separated                                                 
            --type=<LIST>    USER, TEAM or ALARM                                                         
            --site=<LIST>    Affected or notified sites                                                  

      ",
        "monitor": "TPM monitoring: what TPM and ticket monitoring should look at now, on each unit's working calendar.

        unassigned    still new at TPM past the assignment target (monitoring.assignWithinHours, default 1 working hour)
        bounced       open tickets that have been at 3 or more units (monitoring.bounceUnits): probably misrouted
        waiting       waiting for reply after the first reminder (5 working days)
        unresponsive  units whose open tickets await their response past the QoS target

      With --mail the report goes to every TPM unit and monitoring.address (SMTP as for notify). The site
      shows the same on its monitoring page.

      Examples:
        gitgus monitor
        gitgus monitor --now 2026-12-07T09:00:00Z --json
        gitgus monitor --mail (gitgus monitor v0.1.0)

      USAGE gitgus monitor [OPTIONS] 

      OPTIONS

        --now=<TIME>    Evaluate at this time instead of the clock (ISO, with a zone)               
              --mail    Mail the report to TPM (Default: false)                                     
        --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
              --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "notify": "Mail the people the GGUS matrix names about every ticket change since the last run.

      The last notified commit is kept on the ref refs/gitgus/notify (push it with
      \`git push origin refs/gitgus/notify\`), so a rerun sends nothing twice; --since is needed on the first
      run and is otherwise the lower bound. SMTP comes from notify.smtp in helpdesk.yml and the environment:
      GITGUS_SMTP_HOST, GITGUS_SMTP_PORT, GITGUS_SMTP_SECURE, GITGUS_SMTP_REQUIRE_TLS, GITGUS_SMTP_USER,
      GITGUS_SMTP_PASSWORD. Each address gets at most notify.dailyCap mails a day (40; unit lists 500).

      Examples:
        gitgus notify --since HEAD~5
        gitgus notify --since 3f9a2c1 --dry-run --out /tmp/mails
        GITGUS_SMTP_HOST=smtp.example.org gitgus notify --json (gitgus notify v0.1.0)

      USAGE gitgus notify [OPTIONS] 

      OPTIONS

        --since=<COMMIT>    Notify commits after this one (needed on the first run)                     
        --until=<COMMIT>    Newest commit to notify (default HEAD)                                      
               --dry-run    Send nothing and record nothing (Default: false)                            
             --out=<DIR>    With --dry-run: write each mail as DIR/<ticket>-<event>.eml                 
            --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
                  --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "quarantine": "Mail intake could not process: list it, or run it again after a fix. Each entry keeps the raw message
      (intake/quarantine/<key>.eml) and the reason; a retried message that goes through leaves the quarantine.

      Examples:
        gitgus quarantine list
        gitgus quarantine retry              (every quarantined message)
        gitgus quarantine retry 3f9a2c1b     (one, by the start of its key) (gitgus quarantine v0.1.0)

      USAGE gitgus quarantine [OPTIONS] <ACTION>

      ARGUMENTS

        ACTION    list or retry (Required)

      OPTIONS

        --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
              --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "relate": "Relate two tickets on both sides; one commit, the same change the pull-request check accepts.
        --master M   this ticket duplicates M (it goes on hold and is solved with M)
        --parent P   this ticket is a child of P (P stays on hold until its children are solved)
        --related R  a cross reference, on both tickets
        --unmark-master  this ticket is no longer a master: all its duplicates are freed and resume

      Examples:
        gitgus relate 165048 --master 165001
        gitgus relate 165048 --parent 165010
        gitgus relate 165048 --related 165002 --remove
        gitgus relate 165001 --unmark-master (gitgus relate v0.1.0)

      USAGE gitgus relate [OPTIONS] <NUMBER>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

         --master=<NUMBER>    The ticket this one duplicates                                              
         --parent=<NUMBER>    The parent ticket                                                           
        --related=<NUMBER>    A ticket to cross-reference                                                 
                  --remove    Remove the link instead (Default: false)                                    
           --unmark-master    Free all duplicates of this master ticket (Default: false)                  
              --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
                    --json    Print machine-readable JSON on standard output (Default: false)             
             --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)        

      ",
        "reply": "Add a message to a ticket; one commit. The text comes from --message or standard input.

      Examples:
        gitgus reply 165048 --message "Could you resubmit a test job?"
        echo "Checked the CE logs, nothing yet." | gitgus reply 165048 --internal --actor alice (gitgus reply v0.1.0)

      USAGE gitgus reply [OPTIONS] <NUMBER>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

        -m, --message=<TEXT>    Message text (Markdown)                                                              
                  --internal    An internal note: never shown to the submitter or on the public site (Default: false)
                --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)         
                      --json    Print machine-readable JSON on standard output (Default: false)                      
               --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)                 

      ",
        "route": "Apply the routing rules (units/routing.yml, then the GGUS defaults) to a ticket again; the decision is one commit recording the rule.
      With --explain, show which rule matches and why the rules before it do not, and commit nothing.

      Examples:
        gitgus route --explain 165048
        gitgus route 165048 --actor tpm-shifter (gitgus route v0.1.0)

      USAGE gitgus route [OPTIONS] <NUMBER>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

            --explain    Show the rules tried and why; commit nothing (Default: false)               
         --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
               --json    Print machine-readable JSON on standard output (Default: false)             
        --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)        

      ",
        "set": "Change ticket fields; one commit.

      Fields: title, status, priority, category, issue, unit, assignee, vo, site, notifySite, cc, involve, subscribers, notify, solution.qualifier, solution.text, remindOn, type.
      Lists (cc, involve, subscribers) are comma-separated; an empty value clears a field.

      Examples:
        gitgus set 165048 priority=urgent
        gitgus set 165048 status="in progress" assignee=alice --actor alice
        gitgus set 165048 status=solved solution.qualifier=fixed solution.text="Proxy renewed" (gitgus set v0.1.0)

      USAGE gitgus set [OPTIONS] <NUMBER>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

         --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
               --json    Print machine-readable JSON on standard output (Default: false)             
        --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)        

      ",
        "show": "Show a ticket, its conversation (internal notes marked) and its Git history.

      Examples:
        gitgus show 165048
        gitgus show "#165048" --json (gitgus show v0.1.0)

      USAGE gitgus show [OPTIONS] <NUMBER>

      ARGUMENTS

        NUMBER    Ticket number (Required)

      OPTIONS

        --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
              --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "status": "Change a ticket's status through the GGUS lifecycle; one commit, the same change the pull-request check accepts.
      Solving a master solves its duplicates; solving the last child resumes the parent.

      Statuses: new, assigned, in progress, waiting for reply, on hold, reopened, solved, unsolved, verified, closed.
      Qualifiers: fixed, work-around, works as designed, duplicate, invalid, won't fix.

      Examples:
        gitgus status 165048 "in progress"
        gitgus status 165048 "waiting for reply" -m "Which CE did the job run on?"
        gitgus status 165048 solved --qualifier fixed --solution "The CRLs were refreshed."
        gitgus status 165048 verified --actor jane-doe (gitgus status v0.1.0)

      USAGE gitgus status [OPTIONS] <NUMBER> <STATUS>

      ARGUMENTS

        NUMBER    Ticket number (Required) 
        STATUS    The new status (Required)

      OPTIONS

              --solution=<TEXT>    Solution text (solved, unsolved)                                                            
        --qualifier=<QUALIFIER>    Solution qualifier (default fixed)                                                          
           -m, --message=<TEXT>    A public message in the same commit (for "waiting for reply": the question to the submitter)
                   --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)                
                         --json    Print machine-readable JSON on standard output (Default: false)                             
                  --actor=<WHO>    Who acts: a GitHub login or "Name <mail>" (default: git config user)                        

      ",
        "sync-slaves": "Copy the public messages added to master tickets since a commit to their open duplicates (slaves); one commit.

      \`gitgus reply\` on a master copies in the same commit; a message that came by a merged pull request or a
      web edit is copied here, as a system note on each slave, so its page shows it and \`gitgus notify\` mails
      its submitter. Internal notes are never copied. Each copy's file name comes from the master's message
      file, so a rerun writes nothing. The workflow after a merge runs it before notify.

      Examples:
        gitgus sync-slaves --since HEAD~1
        gitgus sync-slaves --since 3f9a2c1 --dry-run --json (gitgus sync-slaves v0.1.0)

      USAGE gitgus sync-slaves [OPTIONS] --since=<COMMIT>

      OPTIONS

        --since=<COMMIT>    Look at master messages added after this commit, up to HEAD (Required)      
               --dry-run    Show the copies that are missing, commit nothing (Default: false)           
            --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
                  --json    Print machine-readable JSON on standard output (Default: false)             

      ",
        "tick": "Apply the time-driven rules on each unit's working-day calendar; one commit per change.

      Waiting-for-reply reminders after 5 and 10 working days and unsolved after 15; solved/unsolved
      closed after 10; an internal note to the unit at 75% of its QoS response time, when a ticket turns
      red (notify.tick.colourMails), and on a supporter's reminder date (remindOn). Running it twice
      changes nothing the second time. Mail follows through \`gitgus notify\`.

      Examples:
        gitgus tick
        gitgus tick --now 2026-12-07T09:00:00Z --dry-run (gitgus tick v0.1.0)

      USAGE gitgus tick [OPTIONS] 

      OPTIONS

        --now=<TIME>    Evaluate at this time instead of the clock (ISO, with a zone)               
           --dry-run    Show what is due, commit nothing (Default: false)                           
        --root=<DIR>    Helpdesk checkout to act on (default: the one containing the current folder)
              --json    Print machine-readable JSON on standard output (Default: false)             

      ",
      }
    `);
  });

  it('the --json error shapes', async () => {
    const { dir, numbers } = makeSmallHelpdesk([{ status: 'new' }, { status: 'closed' }]);
    const notFound = JSON.parse((await cli(['show', '9999', '--root', dir, '--json'])).stdout) as unknown;
    const usage = JSON.parse((await cli(['show', '--json'])).stdout) as unknown;
    const refused = JSON.parse(runGitgus(['status', String(numbers[0]), 'verified', '--root', dir, '--actor', 'tpm-shifter@grid.example', '--json']).stdout) as unknown;
    const frozen = JSON.parse(runGitgus(['set', String(numbers[1]), 'priority=urgent', '--root', dir, '--actor', 'tpm-shifter@grid.example', '--json']).stdout) as unknown;
    expect({ notFound, usage, refused, frozen }).toMatchInlineSnapshot(`
      {
        "frozen": {
          "error": {
            "code": "E_VALIDATION",
            "message": "tickets/1/1002/index.md: priority: #1002 is closed: a closed ticket accepts no further change
          Undo the change. If the problem came back, open a new ticket and relate it to this one.",
            "problems": [
              {
                "code": "E_FROZEN",
                "field": "priority",
                "file": "tickets/1/1002/index.md",
                "hint": "Undo the change. If the problem came back, open a new ticket and relate it to this one.",
                "message": "#1002 is closed: a closed ticket accepts no further change",
              },
            ],
          },
          "ok": false,
        },
        "notFound": {
          "error": {
            "code": "E_NOT_FOUND",
            "hint": "Run \`gitgus list\` to see the ticket numbers.",
            "message": "Could not find ticket #9999 (tickets/9/9999/index.md).",
            "what": "ticket #9999 (tickets/9/9999/index.md)",
          },
          "ok": false,
        },
        "refused": {
          "error": {
            "code": "E_VALIDATION",
            "message": "tickets/1/1001/index.md: status: new → verified is not an allowed transition
          From new a ticket may go to: assigned, in progress, waiting for reply, on hold, solved, unsolved.",
            "problems": [
              {
                "code": "E_TRANSITION",
                "field": "status",
                "file": "tickets/1/1001/index.md",
                "hint": "From new a ticket may go to: assigned, in progress, waiting for reply, on hold, solved, unsolved.",
                "message": "new → verified is not an allowed transition",
              },
            ],
          },
          "ok": false,
        },
        "usage": {
          "error": {
            "code": "E_ARGUMENT",
            "hint": "see gitgus show --help",
            "message": "Missing required positional argument: NUMBER",
          },
          "ok": false,
        },
      }
    `);
  });

  it('the main refusal texts', () => {
    const { dir, numbers } = makeSmallHelpdesk([{ status: 'new' }, { status: 'closed' }]);
    const texts = {
      transition: runGitgus(['status', String(numbers[0]), 'verified', '--root', dir, '--actor', 'tpm-shifter@grid.example']).stderr,
      closedReply: runGitgus(['reply', String(numbers[1]), '--message', 'Hello', '--root', dir, '--actor', 'tpm-shifter@grid.example']).stderr,
      unknownCommand: runGitgus(['frobnicate']).stderr,
      notAHelpdesk: runGitgus(['check', '--root', '/']).stderr,
    };
    expect(texts).toMatchInlineSnapshot(`
      {
        "closedReply": "error: #1002 is closed and accepts no further messages
        Open a new ticket that refers to #1002.
      ",
        "notAHelpdesk": "error: Could not find a helpdesk (helpdesk.yml) in / or any folder above it.
        Run the command inside a helpdesk checkout, or pass --root DIR.
      ",
        "transition": "tickets/1/1001/index.md: status: new → verified is not an allowed transition
          From new a ticket may go to: assigned, in progress, waiting for reply, on hold, solved, unsolved.
      ",
        "unknownCommand": "error: unknown command 'frobnicate'
        commands: assign, build, check, doctor, duplicate, github, history, init, intake, interface, list, monitor, notify, quarantine, relate, reply, route, set, show, status, sync-slaves, tick; see gitgus --help
      ",
      }
    `);
  });
});
