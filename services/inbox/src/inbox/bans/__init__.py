"""Banning: a teamspace's ban reasons and ban rules, banning and unbanning a person, and the audit
trail of who banned whom and why.

Reading the reasons and rules needs ``view``, changing them ``settings``; banning, unbanning and
reading bans and their audit need ``ban``. A ban takes its length from the rule matching the
person's offence count unless one is given, overrides the person's previous ban, ends on its own
at ``until`` (whether a ban is active is computed against a clock the use cases are given), and is
announced as ``inbox.ban.changed.v1`` for the channel edge to enforce.
"""
