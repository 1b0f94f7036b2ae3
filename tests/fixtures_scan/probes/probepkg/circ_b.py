from probepkg.circ_a import A


class B:
    pass
