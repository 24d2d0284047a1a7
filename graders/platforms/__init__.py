"""Platforms: the course's systems, in and out.

- ``archive``: unpack a platform's zip safely (no path leaves the folder; a student's bomb is
  that student's problem).
- ``layouts``: recognise a submissions folder as Moodle, GitHub Classroom, nbgrader, Gradescope
  or the plain layout, and list each student's hand-in with the time the platform recorded.
- ``roster``: map the platform's ids and names to the course's student ids.
- ``late``: a deadline and a declared late policy, applied to a result.
- ``intake``: the above put together: the ``Submission`` records a batch grades, and the
  ledger (layout, students off the roster, roster students with no submission, late ones)
  the class page lists.
- ``export``: grade import files for Moodle, Canvas and Gradescope, from the results folder.
- ``autograder``: a Gradescope autograder zip for one homework.
- ``similarity``: code similarity between students (copydetect), for a person to review.
- ``review``: the class page's platform section and its one review list (staff only).
- ``commands``: the command line's part: ``--roster``, ``--deadline``, ``--late-policy``,
  ``export`` and ``gradescope-autograder``.
"""
